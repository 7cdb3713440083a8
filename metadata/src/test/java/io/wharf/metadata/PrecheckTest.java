package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ItemResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrecheckTest {

    @Test
    void passesCommandsThatOnlyTheImageCanJudge() {
        assertTrue(CommandProcessor.precheck(Commands.createTopic("t", 3, 5)).isEmpty());
        assertTrue(CommandProcessor.precheck(Commands.deleteTopics("missing")).isEmpty());
        assertTrue(CommandProcessor.precheck(Commands.fence(9, 9)).isEmpty());
        assertTrue(CommandProcessor.precheck(Commands.register(1)).isEmpty());
        assertTrue(CommandProcessor.precheck(Commands.alterPartition(1, 1, "t", 0, 0, 0, List.of(1, 2))).isEmpty());
    }

    @Test
    void passesARequestWhereSomeTopicsMaySucceed() {
        assertTrue(CommandProcessor.precheck(Commands.createTopics(Commands.spec("ok", 1, 1),
                Commands.spec("bad name", 1, 1))).isEmpty());
    }

    @Test
    void rejectsCommandsThatCannotSucceedExactlyAsProcessWould() {
        List<ControllerCommand> hopeless = List.of(
                Commands.createTopics(Commands.spec("bad name", 1, 1), Commands.spec("t", 0, 1),
                        Commands.spec("u", 1, 0), Commands.spec("v", 1, 1, Map.of("x", "y"))),
                Commands.deleteTopics("a", "a"),
                Commands.register(-1),
                Commands.register(1, "", 80),
                Commands.unfence(-1, 1),
                Commands.controlledShutdown(1, -5),
                Commands.alterPartition(1, 1, "t", 0, 0, 0, List.of()),
                Commands.alterPartition(1, 1, "", 0, 0, 0, List.of(1)),
                ControllerCommand.getDefaultInstance());
        Cluster cluster = Cluster.withActiveBrokers(2);
        for (ControllerCommand command : hopeless) {
            List<ItemResult> items = CommandProcessor.precheck(command);
            assertTrue(!items.isEmpty() && items.stream().allMatch(ItemResult::hasError), command.toString());
            CommandOutcome outcome = cluster.run(command);
            assertTrue(outcome.records().isEmpty());
            assertEquals(items, outcome.result().getItemsList());
        }
        assertEquals(ErrorCode.INVALID_REQUEST,
                CommandProcessor.precheck(ControllerCommand.getDefaultInstance()).get(0).getError().getCode());
    }
}
