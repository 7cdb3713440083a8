package io.wharf.cli.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A local cluster as last seen: every node, the quorum leader (-1 when none is known) and what
 * keeps it from being healthy. Immutable.
 */
public record ClusterStatus(@JsonProperty("leader_id") int leaderId, List<NodeStatus> nodes, List<String> problems) {

    public ClusterStatus {
        nodes = List.copyOf(nodes);
        problems = List.copyOf(problems);
    }

    @JsonProperty("healthy")
    public boolean healthy() {
        return problems.isEmpty();
    }
}
