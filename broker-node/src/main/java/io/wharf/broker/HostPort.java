package io.wharf.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A network endpoint written as {@code host:port}. Immutable.
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /**
     * Parses {@code host:port}; the port is after the last colon so bracketed IPv6 literals work.
     *
     * @throws IllegalArgumentException naming the malformed text
     */
    public static HostPort parse(String text) {
        String trimmed = text.trim();
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        String host = trimmed.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a non-numeric port", e);
        }
        try {
            return new HostPort(host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage(), e);
        }
    }

    /**
     * Parses a comma-separated list of {@code host:port}; blanks between commas are ignored.
     *
     * @throws IllegalArgumentException when an entry is malformed or the list is empty
     */
    public static List<HostPort> parseList(String text) {
        List<HostPort> endpoints = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                endpoints.add(parse(part));
            }
        }
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no host:port given");
        }
        return List.copyOf(endpoints);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
