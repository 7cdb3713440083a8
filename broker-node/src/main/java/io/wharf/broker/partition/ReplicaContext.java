package io.wharf.broker.partition;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every replica hosted by one broker shares. Immutable.
 *
 * @param brokerId     this broker
 * @param clock        time of ISR lag and acks=all deadlines
 * @param lagTimeMaxMs replica.lag.time.max.ms: how long a follower may stay behind and remain in sync
 * @param ackTimer     runs each led partition's acks=all deadline (one task per partition at a time)
 * @param flushes      where a replica asks for the fsync of what it appended, in deferred durability
 */
public record ReplicaContext(int brokerId, Clock clock, long lagTimeMaxMs, ScheduledExecutorService ackTimer,
                             FlushRequests flushes) {
}
