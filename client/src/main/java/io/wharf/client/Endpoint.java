package io.wharf.client;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code host:port} network address of a Wharf node. Immutable.
 *
 * @param host host name or IP address, never blank
 * @param port TCP port, 1–65535
 */
public record Endpoint(String host, int port) {

    public Endpoint {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("endpoint host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint port must be between 1 and 65535, got " + port);
        }
    }

    /** Parses {@code host:port}; the message of the exception names the malformed part. */
    public static Endpoint parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || colon == trimmed.length() - 1) {
            throw new IllegalArgumentException("'" + trimmed + "' is not host:port (e.g. 127.0.0.1:17001)");
        }
        String host = trimmed.substring(0, colon);
        String portText = trimmed.substring(colon + 1);
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + trimmed + "' has a non-numeric port '" + portText + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + trimmed + "' has port " + port + " outside 1–65535");
        }
        return new Endpoint(host, port);
    }

    /** Parses a comma-separated list of {@code host:port}; blank entries are an error. */
    public static List<Endpoint> parseList(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the endpoint list is empty; give host:port[,host:port...]");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("'" + text + "' has an empty entry; give host:port[,host:port...]");
            }
            endpoints.add(parse(part));
        }
        return List.copyOf(endpoints);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }

    // equals and hashCode written out: a record's own bootstrap method handles on first use, about
    // 20 ms of a short CLI call, which keys its channels by endpoint.
    @Override
    public boolean equals(Object other) {
        return other instanceof Endpoint that && port == that.port && host.equals(that.host);
    }

    @Override
    public int hashCode() {
        return 31 * host.hashCode() + port;
    }
}
