package io.wharf.broker;

import io.wharf.metadata.CommandOutcome;
import io.wharf.metadata.CommandProcessor;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.proto.metadata.UnfenceBrokerCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the controller quorum in tests: one committed metadata log (applied with the real
 * {@link CommandProcessor}), a leader chosen by the test, and fake controllers serving it.
 * Log indexes advance by 2 per command, like a Raft log that also holds entries without records.
 * Thread-safe (synchronized).
 */
final class FakeQuorum implements AutoCloseable {

    private final List<FakeController> controllers = new ArrayList<>();
    private final List<MetadataRecordBatch> log = new ArrayList<>();
    private MetadataImage image = MetadataImage.empty();
    private long nextOffset = 1;
    private int leaderId = -1;

    /** Starts {@code count} controllers with ids 1..count on ephemeral loopback ports; the first leads. */
    static FakeQuorum start(int count) throws IOException {
        FakeQuorum quorum = new FakeQuorum();
        for (int id = 1; id <= count; id++) {
            FakeController controller = new FakeController(id, quorum);
            controller.start();
            synchronized (quorum) {
                quorum.controllers.add(controller);
            }
        }
        quorum.setLeader(1);
        return quorum;
    }

    synchronized FakeController controller(int id) {
        return controllers.get(id - 1);
    }

    synchronized List<FakeController> controllers() {
        return List.copyOf(controllers);
    }

    /** host:port,... of every controller, in id order. */
    synchronized String bootstrap() {
        StringBuilder text = new StringBuilder();
        for (FakeController controller : controllers) {
            text.append(text.length() == 0 ? "" : ",").append(controller.endpoint());
        }
        return text.toString();
    }

    synchronized void setLeader(int id) {
        leaderId = id;
    }

    synchronized int leaderId() {
        return leaderId;
    }

    synchronized MetadataImage image() {
        return image;
    }

    synchronized List<MetadataRecordBatch> log() {
        return List.copyOf(log);
    }

    /** Commits {@code command} and streams its batch (if it produced records) to every watcher. */
    synchronized CommandOutcome submit(ControllerCommand command) {
        long offset = nextOffset;
        nextOffset += 2;
        CommandOutcome outcome = CommandProcessor.process(image, command, offset);
        if (!outcome.records().isEmpty()) {
            MetadataRecordBatch batch = outcome.batch();
            image = image.apply(batch);
            log.add(batch);
            for (FakeController controller : controllers) {
                controller.publish(batch);
            }
        }
        return outcome;
    }

    /** Registers and unfences a broker that exists only in metadata (a placement target). */
    synchronized long addActiveBroker(int id) {
        long epoch = submit(ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(id).setHost("127.0.0.1").setPort(9000 + id)).build()).result().getBrokerEpoch();
        submit(ControllerCommand.newBuilder().setUnfenceBroker(UnfenceBrokerCommand.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build());
        return epoch;
    }

    synchronized CommandOutcome createTopic(String name, int partitions, int replicationFactor) {
        return createTopic(name, partitions, replicationFactor, Map.of());
    }

    synchronized CommandOutcome createTopic(String name, int partitions, int replicationFactor,
                                            Map<String, String> configs) {
        return submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                        .setReplicationFactor(replicationFactor).putAllConfigs(configs))).build());
    }

    @Override
    public void close() {
        for (FakeController controller : controllers()) {
            controller.stop();
        }
    }
}
