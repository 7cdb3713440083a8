package io.wharf.cli.cluster;

import java.util.Optional;

/**
 * One reason a local cluster is not healthy, and the node to blame when there is one. Immutable.
 */
public record HealthProblem(Optional<NodeName> node, String reason) {

    static HealthProblem of(NodeName node, String reason) {
        return new HealthProblem(Optional.of(node), reason);
    }

    static HealthProblem ofCluster(String reason) {
        return new HealthProblem(Optional.empty(), reason);
    }
}
