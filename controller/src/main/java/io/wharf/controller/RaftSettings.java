package io.wharf.controller;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;

/**
 * Turns a {@link ControllerConfig} into Ratis server and client properties and the client retry
 * policy, following the measured recommendations of RATIS.md §9. Stateless.
 */
final class RaftSettings {

    private RaftSettings() {
    }

    /** The Raft storage directory under {@code data.dir}. */
    static Path storageDir(ControllerConfig config) {
        return config.dataDir().resolve("raft");
    }

    /** Properties of this controller's RaftServer. */
    static RaftProperties serverProperties(ControllerConfig config) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, config.bindHost());
        GrpcConfigKeys.Server.setPort(p, config.self().raftPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(storageDir(config).toFile()));
        RaftServerConfigKeys.setRemovedGroupsDir(p, config.dataDir().resolve("raft-removed-groups").toFile());

        RaftServerConfigKeys.Rpc.setTimeoutMin(p, millis(config.raftTimeoutMinMs()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, millis(config.raftTimeoutMaxMs()));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, millis(config.raftStepDownWaitMs()));
        p.set(RaftServerConfigKeys.Log.Appender.RETRY_POLICY_KEY, config.raftAppenderRetryPolicy());

        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.raftSnapshotThreshold());
        RaftServerConfigKeys.Snapshot.setCreationGap(p, config.raftSnapshotCreationGap());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, config.raftSnapshotRetention());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, config.raftPurgeUpToSnapshot());

        // Followers answer reads after ReadIndex, so every controller can serve a read that is never stale.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);

        config.ratisOverrides().forEach(p::set);
        return p;
    }

    /** Properties of the RaftClients a controller uses to submit commands and reads. */
    static RaftProperties clientProperties(ControllerConfig config, long requestTimeoutMs) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(requestTimeoutMs));
        config.ratisOverrides().forEach((key, value) -> {
            if (key.startsWith(RaftClientConfigKeys.PREFIX)) {
                p.set(key, value);
            }
        });
        return p;
    }

    static TimeDuration millis(long ms) {
        return TimeDuration.valueOf(ms, TimeUnit.MILLISECONDS);
    }
}
