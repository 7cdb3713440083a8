package io.wharf.cli.command;

import io.wharf.cli.TextTable;
import io.wharf.cli.cluster.ClusterStatus;
import io.wharf.cli.cluster.NodeStatus;
import java.io.PrintWriter;

/** Prints a local cluster's status as a node table and its problems. Stateless. */
final class StatusPrinter {

    private StatusPrinter() {
    }

    static void print(ClusterStatus status, PrintWriter out) {
        TextTable table = new TextTable("NODE", "PID", "RPC", "RAFT", "METRICS", "STATE", "TERM", "APPLIED", "EPOCH");
        for (NodeStatus node : status.nodes()) {
            table.row(node.name(), node.running() ? node.pid() : "stopped", node.rpcPort(), node.raftPort(),
                    node.metricsPort(), node.state(), known(node.term()), known(node.appliedIndex()), known(node.epoch()));
        }
        table.print(out);
        if (status.healthy()) {
            out.println("healthy: the quorum has a leader and every broker is active");
        } else {
            status.problems().forEach(problem -> out.println("problem: " + problem));
        }
    }

    /** Null or negative (what an unreachable controller reports) prints as unknown. */
    static Object known(Long value) {
        return value == null || value < 0 ? null : value;
    }
}
