package io.wharf.broker.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.broker.MetadataListener;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.queue.QueueFigures;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.broker.ListGroupsResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the console's {@link ConsoleFeed} current: folds every metadata change into the leadership
 * timeline (on the metadata thread, so no image is skipped), and builds and publishes a snapshot
 * after each change and every refresh interval (for rates, heartbeat ages, queue figures).
 * Thread-safe; owns one thread, {@code broker-<id>-console}, until {@link #close()}.
 */
final class ConsoleRefresher implements MetadataListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsoleRefresher.class);

    /** Where the refresher reads the broker's state from; each must be quick and must not block. */
    record Sources(Supplier<MetadataImage> image, Supplier<List<Partition>> hostedReplicas,
                   Supplier<Map<String, QueueFigures>> ledQueues,
                   Supplier<CompletableFuture<ListGroupsResponse>> coordinatedGroups,
                   Supplier<ControllerView> controllers) {
    }

    private final int brokerId;
    private final boolean adminEnabled;
    private final Sources sources;
    private final Clock clock;
    private final ConsoleFeed feed;
    private final Duration interval;
    private final ObjectMapper json = new ObjectMapper();
    private final ScheduledExecutorService thread;
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final AtomicReference<List<ClusterSnapshot.Group>> groups = new AtomicReference<>(List.of());
    private volatile LeadershipTimeline timeline = LeadershipTimeline.empty();  // written on the metadata thread only
    // Rates are measured over at least one interval: image changes come much closer together.
    private ReplicaFigures rateBase = ReplicaFigures.none();   // console thread only
    private Map<TopicPartition, Double> rates = Map.of();      // console thread only

    ConsoleRefresher(int brokerId, boolean adminEnabled, Sources sources, Clock clock, ConsoleFeed feed,
                     Duration interval) {
        this.brokerId = brokerId;
        this.adminEnabled = adminEnabled;
        this.sources = sources;
        this.clock = clock;
        this.feed = feed;
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread refresher = new Thread(runnable, "broker-" + brokerId + "-console");
            refresher.setDaemon(true);
            return refresher;
        });
    }

    void start() {
        thread.scheduleAtFixedRate(this::refreshPeriodically, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onImageChanged(MetadataImage previous, MetadataImage current) {
        timeline = timeline.observe(previous, current, clock.millis(), sources.controllers().get().lastHeartbeatAtMs());
        requestRefresh();
    }

    /** Builds a snapshot soon on the console thread; requests made before it starts share it. */
    private void requestRefresh() {
        if (refreshQueued.compareAndSet(false, true)) {
            thread.execute(this::refresh);
        }
    }

    private void refreshPeriodically() {
        sources.coordinatedGroups().get().whenComplete((answer, failure) -> {
            if (failure != null) {
                log.debug("Broker {} console could not list its groups: {}", brokerId, failure.toString());
            } else {
                groups.set(answer.getGroupsList().stream()
                        .map(g -> new ClusterSnapshot.Group(g.getGroupId(), g.getState(), g.getMembers())).toList());
            }
        });
        refresh();
    }

    private void refresh() {
        refreshQueued.set(false);
        try {
            long now = clock.millis();
            ReplicaFigures replicas = ReplicaFigures.read(sources.hostedReplicas().get(), now);
            if (now - rateBase.takenAtMs() >= interval.toMillis()) {
                rates = rateBase.takenAtMs() == 0 ? Map.of() : replicas.ratesSince(rateBase);
                rateBase = replicas;
            }
            ClusterSnapshot snapshot = SnapshotBuilder.build(new ConsoleInputs(brokerId, adminEnabled,
                    sources.image().get(), sources.controllers().get(), replicas, rates, sources.ledQueues().get(),
                    groups.get(), timeline, now));
            feed.publish(json.writeValueAsString(snapshot));
        } catch (JsonProcessingException | RuntimeException e) {
            // A scheduled task that throws is never run again: log it and let the next refresh try.
            log.warn("Broker {} console could not build a snapshot", brokerId, e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Broker {} console refresher did not stop in time", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
