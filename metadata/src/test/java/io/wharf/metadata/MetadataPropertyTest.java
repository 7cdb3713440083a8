package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.MetadataSnapshot;
import io.wharf.proto.metadata.PartitionRef;
import io.wharf.proto.metadata.TopicSpec;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random command sequences (seeded, valid and invalid commands mixed) driven through
 * process + apply. Two replicas of the image must agree at every step, one of them going through
 * the wire encoding and periodic snapshot restores, and the invariants must hold after every step.
 */
class MetadataPropertyTest {

    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e", "f");
    private static final List<String> BAD_NAMES = List.of("bad name", "", "..");

    /** How often each record type was emitted, so a generator that stops exercising a path fails the test. */
    private final Map<MetadataRecord.RecordCase, Integer> emitted = new EnumMap<>(MetadataRecord.RecordCase.class);
    private int leaderlessSteps;
    private int retries;

    @Test
    void randomCommandSequencesKeepReplicasEqualAndInvariantsTrue() throws Exception {
        for (int seed = 0; seed < 80; seed++) {
            runSequence(seed, 90);
        }
        for (MetadataRecord.RecordCase type : MetadataRecord.RecordCase.values()) {
            if (type != MetadataRecord.RecordCase.RECORD_NOT_SET) {
                assertTrue(emitted.getOrDefault(type, 0) >= 20, "too few " + type + " records: " + emitted);
            }
        }
        assertTrue(leaderlessSteps >= 20, "too few steps with a leaderless partition: " + leaderlessSteps);
        assertTrue(retries >= 20, "too few registrations retried by a registered incarnation: " + retries);
    }

    private void runSequence(long seed, int steps) throws InvalidProtocolBufferException {
        Random random = new Random(seed);
        MetadataImage direct = MetadataImage.empty();
        MetadataImage viaWire = MetadataImage.empty();
        long offset = 0;
        for (int step = 0; step < steps; step++) {
            String context = "seed " + seed + " step " + step;
            ControllerCommand command = randomCommand(random, direct);
            offset += 1 + random.nextInt(3);

            CommandOutcome outcome = CommandProcessor.process(direct, command, offset);
            MetadataImage before = direct;
            direct = direct.apply(outcome.batch());
            outcome.records().forEach(r -> emitted.merge(r.getRecordCase(), 1, Integer::sum));
            if (direct.topics().values().stream().flatMap(t -> t.partitions().values().stream())
                    .anyMatch(p -> !p.hasLeader())) {
                leaderlessSteps++;
            }

            ControllerCommand decoded = ControllerCommand.parseFrom(command.toByteArray());
            CommandOutcome replicated = CommandProcessor.process(viaWire, decoded, offset);
            viaWire = viaWire.apply(MetadataRecordBatch.parseFrom(replicated.batch().toByteArray()));
            assertEquals(outcome, replicated, context);
            assertEquals(direct, viaWire, context);
            assertEquals(direct.hashCode(), viaWire.hashCode(), context);

            checkPrecheckAgrees(command, outcome, context);
            checkRetry(command, before, outcome, context);
            if (isRejection(outcome)) {
                assertTrue(outcome.records().isEmpty(), context);
                Cluster.assertUnchangedExceptOffset(before, direct);
            }
            Invariants.check(direct, context);
            Invariants.checkProgress(before, direct, context);

            MetadataSnapshot snapshot = MetadataSnapshot.parseFrom(MetadataSnapshots.toSnapshot(direct).toByteArray());
            assertEquals(direct, MetadataSnapshots.fromSnapshot(snapshot), context);
            if (random.nextInt(10) == 0) {
                viaWire = MetadataSnapshots.fromSnapshot(snapshot);
            }
        }
    }

    private static void checkPrecheckAgrees(ControllerCommand command, CommandOutcome outcome, String context) {
        List<ItemResult> precheck = CommandProcessor.precheck(command);
        if (!precheck.isEmpty()) {
            assertTrue(outcome.records().isEmpty(), context + ": precheck rejected but process emitted records");
            assertEquals(precheck, outcome.result().getItemsList(), context);
        }
    }

    private static boolean isRejection(CommandOutcome outcome) {
        return outcome.result().getItemsList().stream().allMatch(ItemResult::hasError)
                && outcome.result().getItemsCount() > 0;
    }

    private static ControllerCommand randomCommand(Random random, MetadataImage image) {
        int kind = random.nextInt(150);
        if (kind >= 100) {
            return randomQueueingCommand(random, image);
        }
        if (kind < 22) {
            List<TopicSpec> specs = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                Map<String, String> configs = switch (random.nextInt(6)) {
                    case 0 -> Map.of("retention.ms", "-1", "segment.bytes", "1048576");
                    case 1 -> Map.of("min.insync.replicas", String.valueOf(random.nextInt(4)));
                    case 2 -> Map.of("retention.bytes", "lots");
                    default -> Map.of();
                };
                String name = random.nextInt(10) == 0 ? pick(random, BAD_NAMES) : pick(random, NAMES);
                specs.add(Commands.spec(name, random.nextInt(5), random.nextInt(4), configs));
            }
            return Commands.createTopics(specs.toArray(TopicSpec[]::new));
        }
        if (kind < 32) {
            if (random.nextInt(5) == 0) {
                return random.nextBoolean()
                        ? Commands.alterConfigs(pick(random, NAMES),
                                Map.of("retention.ms", String.valueOf(random.nextInt(3) - 1)))
                        : Commands.alterConfigs(pick(random, NAMES), Map.of("min.insync.replicas",
                                String.valueOf(random.nextInt(4))), "retention.ms");
            }
            return random.nextInt(5) == 0
                    ? Commands.electPreferredLeaders(random.nextBoolean()
                            ? new PartitionRef[0]
                            : new PartitionRef[] {Commands.ref(pick(random, NAMES), random.nextInt(4))})
                    : Commands.deleteTopics(pick(random, NAMES));
        }
        List<Integer> fenced = image.brokers().values().stream().filter(BrokerRegistration::fenced)
                .map(BrokerRegistration::id).toList();
        boolean unfencing = kind >= 55 && kind < 72;
        int broker = unfencing && !fenced.isEmpty() && random.nextInt(4) != 0
                ? pick(random, fenced)
                : random.nextInt(6) - (random.nextInt(20) == 0 ? 2 : 0);
        long epoch = image.broker(broker).map(BrokerRegistration::epoch).orElse(1L)
                - (random.nextInt(8) == 0 ? 1 : 0);
        if (kind < 42) {
            return randomRegistration(random, image, broker);
        }
        if (kind < 55) {
            return Commands.fence(broker, epoch);
        }
        if (kind < 72) {
            return Commands.unfence(broker, epoch);
        }
        if (kind < 78) {
            return Commands.controlledShutdown(broker, epoch);
        }
        if (kind < 82) {
            return Commands.allocateProducerIds(broker, epoch);
        }
        return randomAlterPartition(random, image, broker, epoch);
    }

    private static final List<String> EXCHANGES = List.of("x", "y", "z", "amq.direct", "amq.fanout");
    private static final List<String> QUEUES = List.of("q", "r", "s");

    /**
     * An exchange, queue or binding command over a few names, so that redeclarations, cascades and
     * repeated binds happen; now and then with a reserved or bad name, a bad type or argument.
     */
    private static ControllerCommand randomQueueingCommand(Random random, MetadataImage image) {
        List<String> exchanges = random.nextInt(15) == 0 ? List.of("", "amq.mine", "bad name") : EXCHANGES;
        List<String> queues = random.nextInt(15) == 0 ? List.of("", "bad:name") : QUEUES;
        return switch (random.nextInt(11)) {
            case 0, 1 -> random.nextInt(8) == 0 ? Commands.exchangeExists(pick(random, exchanges))
                    : Commands.declareExchange(pick(random, exchanges),
                            ExchangeType.forNumber(random.nextInt(5)), random.nextInt(4) == 0,
                            random.nextBoolean() ? Map.of() : Map.of("alternate-exchange", pick(random, EXCHANGES)));
            case 2 -> Commands.deleteExchange(existingOr(random, image.exchanges().values().stream()
                    .filter(e -> !e.builtin()).map(ExchangeImage::name).toList(), exchanges), random.nextInt(3) == 0);
            case 3, 4 -> random.nextInt(8) == 0 ? Commands.queueExists(pick(random, queues))
                    : Commands.declareQueue(pick(random, queues), switch (random.nextInt(5)) {
                        case 0 -> Map.of("x-single-active-consumer", "true");
                        case 1 -> Map.of("x-message-ttl", "1000");
                        case 2 -> Map.of("x-quorum-initial-group-size", String.valueOf(random.nextInt(9)));
                        default -> Map.of();
                    });
            case 5 -> Commands.deleteQueue(existingOr(random, List.copyOf(image.queues().keySet()), queues));
            case 6, 7, 8 -> Commands.bind(randomBinding(random, exchanges, queues));
            default -> Commands.unbind(random.nextBoolean() || image.bindings().isEmpty()
                    ? randomBinding(random, exchanges, queues) : pick(random, image.bindings()));
        };
    }

    /** Mostly one of {@code existing} (so deletes succeed often enough), else any of {@code names}. */
    private static String existingOr(Random random, List<String> existing, List<String> names) {
        return existing.isEmpty() || random.nextInt(4) == 0 ? pick(random, names) : pick(random, existing);
    }

    private static BindingInfo randomBinding(Random random, List<String> exchanges, List<String> queues) {
        boolean toQueue = random.nextInt(3) != 0;
        return Commands.binding(pick(random, exchanges),
                random.nextInt(30) == 0 ? DestinationKind.DESTINATION_KIND_UNSPECIFIED
                        : toQueue ? DestinationKind.QUEUE : DestinationKind.EXCHANGE,
                toQueue ? pick(random, queues) : pick(random, exchanges), random.nextBoolean() ? "k" : "",
                random.nextInt(4) == 0 ? Map.of("x-match", random.nextBoolean() ? "any" : "most") : Map.of());
    }

    /**
     * A registration by one of a few processes per broker id (so incarnations repeat: retries),
     * sometimes without incarnation, sometimes stamped with an offset that is behind the image
     * (a request overtaken by another registration), sometimes malformed.
     */
    private static ControllerCommand randomRegistration(Random random, MetadataImage image, int broker) {
        int shape = random.nextInt(15);
        if (shape == 0) {
            return Commands.register(broker, "", 1);
        }
        if (shape < 4) {
            return Commands.register(broker);
        }
        String incarnation = "process-" + broker + "-" + random.nextInt(3);
        if (random.nextBoolean()) {
            return Commands.register(broker, incarnation);
        }
        return Commands.register(broker, incarnation, image.offset() - random.nextInt(8));
    }

    /** A registration by the process already registered under that id changes nothing and answers its epoch. */
    private void checkRetry(ControllerCommand command, MetadataImage before, CommandOutcome outcome,
            String context) {
        if (!command.hasRegisterBroker() || command.getRegisterBroker().getIncarnationId().isEmpty()) {
            return;
        }
        before.broker(command.getRegisterBroker().getBrokerId())
                .filter(b -> b.incarnationId().equals(command.getRegisterBroker().getIncarnationId()))
                .ifPresent(registered -> {
                    assertEquals(List.of(), outcome.records(), context + ": a retry wrote records");
                    assertEquals(registered.epoch(), outcome.result().getBrokerEpoch(), context);
                    assertEquals(registered.fenced(), outcome.result().getBrokerFenced(), context);
                    retries++;
                });
    }

    private static ControllerCommand randomAlterPartition(Random random, MetadataImage image, int broker, long epoch) {
        List<TopicImage> topics = List.copyOf(image.topics().values());
        if (topics.isEmpty()) {
            return Commands.alterPartition(broker, epoch, "a", 0, 0, 0, List.of(broker));
        }
        TopicImage topic = pick(random, topics);
        PartitionState p = topic.partitions().get(random.nextInt(topic.partitions().size()));
        int proposer = random.nextInt(5) == 0 || !p.hasLeader() ? broker : p.leader();
        long proposerEpoch = image.broker(proposer).map(BrokerRegistration::epoch).orElse(epoch);
        List<Integer> isr = new ArrayList<>();
        for (int replica : p.replicas()) {
            if (replica == proposer || random.nextBoolean()) {
                isr.add(replica);
            }
        }
        if (random.nextInt(10) == 0) {
            isr.add(random.nextInt(7));
        }
        int leaderEpoch = p.leaderEpoch() + (random.nextInt(10) == 0 ? 1 : 0);
        int partitionEpoch = p.partitionEpoch() - (random.nextInt(10) == 0 ? 1 : 0);
        return Commands.alterPartition(proposer, proposerEpoch, topic.name(), p.partition(), leaderEpoch,
                partitionEpoch, isr);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** The invariants every image must satisfy, and between consecutive images. */
    static final class Invariants {

        private Invariants() {
        }

        static void check(MetadataImage image, String context) {
            for (QueueImage queue : image.queues().values()) {
                assertTrue(image.topic(queue.topic()).isPresent(), context + ": queue without its log " + queue);
            }
            for (BindingInfo binding : image.bindings()) {
                assertTrue(image.exchange(binding.getSource()).isPresent(), context + ": dangling " + binding);
                assertTrue(binding.getDestinationKind() == DestinationKind.QUEUE
                        ? image.queue(binding.getDestination()).isPresent()
                        : image.exchange(binding.getDestination()).isPresent(), context + ": dangling " + binding);
            }
            for (TopicImage topic : image.topics().values()) {
                for (PartitionState p : topic.partitions().values()) {
                    String where = context + " " + topic.name() + "-" + p.partition() + " " + p;
                    p.structuralProblem().ifPresent(problem -> fail(where + ": " + problem));
                    assertTrue(image.brokers().keySet().containsAll(p.replicas()), where + ": unregistered replica");
                    if (p.hasLeader()) {
                        assertTrue(image.isActive(p.leader()), where + ": leader is not an active broker");
                    } else {
                        assertTrue(p.isr().stream().noneMatch(image::isActive),
                                where + ": leaderless although an ISR member is active");
                    }
                    if (p.isr().size() > 1) {
                        assertTrue(p.isr().stream().allMatch(image::isActive),
                                where + ": a fenced broker is in an ISR it is not the last member of");
                    }
                }
            }
        }

        static void checkProgress(MetadataImage before, MetadataImage after, String context) {
            assertTrue(after.offset() > before.offset(), context);
            for (BrokerRegistration broker : before.brokers().values()) {
                BrokerRegistration now = after.brokers().get(broker.id());
                assertTrue(now != null && now.epoch() >= broker.epoch(), context + ": broker went away or back in epoch");
            }
            for (TopicImage topic : before.topics().values()) {
                TopicImage now = after.topics().get(topic.name());
                if (now == null || !now.topicId().equals(topic.topicId())) {
                    continue;
                }
                assertEquals(topic.partitions().keySet(), now.partitions().keySet(), context);
                for (PartitionState old : topic.partitions().values()) {
                    PartitionState p = now.partitions().get(old.partition());
                    String where = context + " " + topic.name() + "-" + p.partition();
                    assertEquals(old.replicas(), p.replicas(), where);
                    assertTrue(p.leaderEpoch() >= old.leaderEpoch() && p.partitionEpoch() >= old.partitionEpoch(),
                            where + ": epoch went backwards");
                    if (p.leader() != old.leader()) {
                        assertTrue(p.leaderEpoch() > old.leaderEpoch(), where + ": leader changed, leader epoch did not");
                    }
                    if (p.leader() != old.leader() || !new HashSet<>(p.isr()).equals(new HashSet<>(old.isr()))) {
                        assertTrue(p.partitionEpoch() > old.partitionEpoch(), where + ": changed without epoch bump");
                    }
                }
            }
        }
    }
}
