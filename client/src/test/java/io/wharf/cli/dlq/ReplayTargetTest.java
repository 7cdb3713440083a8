package io.wharf.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplayTargetTest {

    /** As the SDK's queue loop writes a dead letter: no x-death, error.* headers. */
    private static final Message SDK_DEAD_LETTER = Message.newBuilder().putHeaders("error.origin.queue", "jobs")
            .putHeaders("error.origin.routing-key", "pdf").putHeaders("error.cause", "blocked_by_previous_failure").build();

    @Test
    void aBrokerDeadLetterGoesBackThroughItsFirstDeathsExchangeAndKeys() {
        Message died = Message.newBuilder().putHeaders("x-first-death-exchange", "work")
                .putHeaders("x-first-death-queue", "jobs").putHeaders("x-first-death-reason", "rejected")
                .putHeaders("error.origin.queue", "elsewhere")
                .addXDeath(Death.newBuilder().setQueue("jobs").setReason("rejected").addRoutingKeys("pdf")).build();
        assertEquals(Optional.of(new ReplayTarget("work", List.of("pdf"))), ReplayTarget.origin(died));
        assertEquals("rejected", DeadLetterView.lastReason(died));
    }

    @Test
    void anSdkDeadLetterGoesBackToItsQueueAloneOrToAnotherExchangeWithItsOwnKey() {
        assertEquals(Optional.of(new ReplayTarget("", List.of("jobs"))), ReplayTarget.origin(SDK_DEAD_LETTER));
        assertEquals(Optional.of(new ReplayTarget("retry", List.of("pdf"))),
                ReplayTarget.of(ReplayDestination.parse("retry"), SDK_DEAD_LETTER));
        assertEquals("blocked_by_previous_failure", DeadLetterView.lastReason(SDK_DEAD_LETTER));
        assertEquals(Optional.empty(), ReplayTarget.origin(Message.getDefaultInstance()));
    }
}
