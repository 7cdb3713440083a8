package io.wharf.cli.cluster;

/** The two kinds of node of a Wharf cluster and the main class each runs. Immutable. */
public enum NodeRole {
    CONTROLLER("controller", "io.wharf.controller.ControllerMain"),
    BROKER("broker", "io.wharf.broker.BrokerMain");

    private final String prefix;
    private final String mainClass;

    NodeRole(String prefix, String mainClass) {
        this.prefix = prefix;
        this.mainClass = mainClass;
    }

    /** The first part of a node name, e.g. {@code controller} in {@code controller-2}. */
    public String prefix() {
        return prefix;
    }

    public String mainClass() {
        return mainClass;
    }
}
