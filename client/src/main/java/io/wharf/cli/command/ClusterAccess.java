package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.cluster.ClusterFile;
import io.wharf.cli.cluster.ClusterSpec;
import io.wharf.cli.cluster.ClusterTopology;
import io.wharf.cli.cluster.LocalCluster;
import java.util.Map;

/** Opens the local cluster the CLI environment points at. Stateless. */
final class ClusterAccess {

    private ClusterAccess() {
    }

    /** The cluster described in the environment's directory; a one-line error when there is none. */
    static LocalCluster open(CliEnvironment env) {
        ClusterTopology topology = ClusterFile.read(env.clusterDir()).orElseThrow(() -> new CliException("NO_CLUSTER",
                "no local cluster in " + env.clusterDir() + "; start one with: wharf cluster up"));
        return new LocalCluster(spec(env, topology), env.nodeClassArchives(), env.channels());
    }

    static ClusterSpec spec(CliEnvironment env, ClusterTopology topology) {
        ClusterSpec spec = ClusterSpec.of(env.clusterDir(), topology, env.classpath(), Map.of());
        return env.nodeLogbackConfig().map(spec::withLogbackConfig).orElse(spec);
    }
}
