package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** Apply and admission of single log entries, without a Raft server. */
class MetadataStateMachineTest {

    private final AppliedMetadata applied = new AppliedMetadata(10);
    private final List<Throwable> fatal = new ArrayList<>();
    private final MetadataStateMachine stateMachine = new MetadataStateMachine(applied,
            new MetadataStateMachine.LeadershipListener() {
                @Override
                public void leaderReady() {
                }

                @Override
                public void notLeader() {
                }

                @Override
                public void leaderChanged(org.apache.ratis.protocol.RaftPeerId leader) {
                }
            }, fatal::add);

    private TransactionContext entry(long index, ByteString data) {
        LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
                .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder().setLogData(data)).build();
        return TransactionContext.newBuilder().setStateMachine(stateMachine).setLogEntry(entry).build();
    }

    private CommandResult apply(long index, ControllerCommand command) throws Exception {
        Message reply = stateMachine.applyTransaction(entry(index, ByteString.copyFrom(command.toByteArray()))).get();
        return CommandResult.parseFrom(reply.getContent().toByteArray());
    }

    private static ControllerCommand register(int brokerId) {
        return ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(brokerId).setHost("127.0.0.1").setPort(9000 + brokerId)).build();
    }

    private TransactionContext admit(ControllerCommand command) throws Exception {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(ClientId.randomId())
                .setServerId(RaftPeerId.valueOf("c1"))
                .setGroupId(RaftGroupId.randomId())
                .setCallId(1)
                .setMessage(Message.valueOf(ByteString.copyFrom(command.toByteArray())))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        return stateMachine.startTransaction(request);
    }

    @Test
    void applyRunsTheCommandAtTheEntryIndexAndPublishesItsBatch() throws Exception {
        CommandResult result = apply(3, register(1));
        assertEquals(3, result.getBrokerEpoch());
        assertEquals(3, applied.image().offset());
        assertTrue(applied.image().brokers().get(1).fenced());
        assertEquals(3, stateMachine.getLastAppliedTermIndex().getIndex());
    }

    @Test
    void aRejectedCommandAdvancesTheAppliedIndexButNotTheImage() throws Exception {
        apply(1, register(1));
        MetadataImage before = applied.image();
        ControllerCommand tooWide = ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("t").setPartitions(1).setReplicationFactor(3))).build();
        CommandResult result = apply(2, tooWide);
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, result.getItems(0).getError().getCode());
        assertContains(result.getItems(0).getError().getMessage(), "topic 't' asks for replication factor 3",
                "only 0 brokers are active");
        assertEquals(before, applied.image());
        assertEquals(2, stateMachine.getLastAppliedTermIndex().getIndex());
    }

    @Test
    void anEntryThatCannotBeAppliedIsFatalAndStopsFurtherApplies() throws Exception {
        apply(1, register(1));
        IllegalStateException garbage = assertThrows(IllegalStateException.class,
                () -> stateMachine.applyTransaction(entry(2, ByteString.copyFromUtf8("not a command"))));
        assertEquals("cannot apply metadata log entry 2", garbage.getMessage());
        assertInstanceOf(InvalidProtocolBufferException.class, garbage.getCause(), "the entry did not parse");
        assertEquals(List.of(garbage.getCause()), fatal, "the controller is told why, once");
        IllegalStateException after = assertThrows(IllegalStateException.class,
                () -> stateMachine.applyTransaction(entry(3, ByteString.copyFrom(register(2).toByteArray()))));
        assertContains(after.getMessage(), "failed earlier", "refusing to apply index 3");
        assertEquals(1, fatal.size());
        assertEquals(1, applied.image().brokers().size());
    }

    @Test
    void theLeaderRefusesCommandsThatCanOnlyFailAndGarbage() throws Exception {
        assertNull(admit(register(1)).getException());
        assertContains(refusal(admit(register(-1))), "broker--1: INVALID_REQUEST", "broker id -1 is negative");
        assertContains(refusal(admit(ControllerCommand.getDefaultInstance())), "command: INVALID_REQUEST",
                "names no operation");

        RaftClientRequest garbage = RaftClientRequest.newBuilder()
                .setClientId(ClientId.randomId())
                .setServerId(RaftPeerId.valueOf("c1"))
                .setGroupId(RaftGroupId.randomId())
                .setCallId(2)
                .setMessage(Message.valueOf(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01})))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        assertContains(refusal(stateMachine.startTransaction(garbage)), "the request is not a ControllerCommand");
    }

    /** Why the leader refused to replicate a command (the message names the item, code and problem). */
    private static String refusal(TransactionContext transaction) {
        Exception refused = transaction.getException();
        assertNotNull(refused, "the command was admitted");
        return assertInstanceOf(IllegalArgumentException.class, refused).getMessage();
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), "'" + part + "' in: " + text);
        }
    }
}
