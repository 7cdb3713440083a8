package io.wharf.controller;

/**
 * One controller of the quorum as named in {@code controller.quorum.voters}
 * ({@code id@host:rpcPort:raftPort}). Immutable.
 *
 * @param id       the controller's node id (&gt;= 1)
 * @param host     the host both of its ports listen on
 * @param rpcPort  its ControllerService (gRPC) port
 * @param raftPort its Ratis (server-to-server gRPC) port
 */
public record QuorumVoter(int id, String host, int rpcPort, int raftPort) {

    /** The ControllerService address, {@code host:rpcPort}. */
    public String rpcAddress() {
        return host + ":" + rpcPort;
    }

    /** The Ratis server address, {@code host:raftPort}. */
    public String raftAddress() {
        return host + ":" + raftPort;
    }

    /**
     * Parses one {@code id@host:rpcPort:raftPort} entry.
     *
     * @throws io.wharf.config.InvalidConfigException naming {@code key} and what is wrong with the entry
     */
    static QuorumVoter parse(String key, String entry) {
        String text = entry.trim();
        int at = text.indexOf('@');
        String[] hostPorts = at < 0 ? new String[0] : text.substring(at + 1).split(":", -1);
        if (at <= 0 || hostPorts.length != 3 || hostPorts[0].isBlank()) {
            throw ControllerConfigKeys.SET.invalid(key, "'" + text
                    + "' is not of the form id@host:rpcPort:raftPort (e.g. 1@127.0.0.1:17001:17101)");
        }
        int id = parseInt(key, text, "id", text.substring(0, at));
        if (id < 1) {
            throw ControllerConfigKeys.SET.invalid(key, "'" + text + "' has id " + id + "; ids must be >= 1");
        }
        int rpcPort = parsePort(key, text, "rpcPort", hostPorts[1]);
        int raftPort = parsePort(key, text, "raftPort", hostPorts[2]);
        if (rpcPort == raftPort) {
            throw ControllerConfigKeys.SET.invalid(key, "'" + text + "' uses port " + rpcPort
                    + " for both rpcPort and raftPort; they must differ");
        }
        return new QuorumVoter(id, hostPorts[0].trim(), rpcPort, raftPort);
    }

    private static int parsePort(String key, String entry, String what, String value) {
        int port = parseInt(key, entry, what, value);
        if (port < 1 || port > 65535) {
            throw ControllerConfigKeys.SET.invalid(key, "'" + entry + "' has " + what + " " + port
                    + "; ports must be in 1..65535");
        }
        return port;
    }

    private static int parseInt(String key, String entry, String what, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ControllerConfigKeys.SET.invalid(key, "'" + entry + "' has " + what + " '" + value
                    + "', which is not an integer");
        }
    }
}
