package io.wharf.cli.cluster;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node of the local cluster: its role and id, named {@code controller-N} or {@code broker-N}
 * (N is also its {@code node.id}). Immutable.
 */
public record NodeName(NodeRole role, int id) {

    private static final Pattern FORMAT = Pattern.compile("(controller|broker)-([1-9][0-9]*)");

    public NodeName {
        if (id < 1) {
            throw new IllegalArgumentException("node ids start at 1, got " + id);
        }
    }

    public static NodeName controller(int id) {
        return new NodeName(NodeRole.CONTROLLER, id);
    }

    public static NodeName broker(int id) {
        return new NodeName(NodeRole.BROKER, id);
    }

    /**
     * Parses {@code controller-N} / {@code broker-N}; empty when the text has another form (the
     * topology decides whether the node exists).
     */
    static java.util.Optional<NodeName> tryParse(String text) {
        Matcher matcher = FORMAT.matcher(text == null ? "" : text.trim());
        if (!matcher.matches() || matcher.group(2).length() > 4) {
            return java.util.Optional.empty();
        }
        NodeRole role = matcher.group(1).equals("controller") ? NodeRole.CONTROLLER : NodeRole.BROKER;
        return java.util.Optional.of(new NodeName(role, Integer.parseInt(matcher.group(2))));
    }

    public boolean isController() {
        return role == NodeRole.CONTROLLER;
    }

    @Override
    public String toString() {
        return role.prefix() + "-" + id;
    }
}
