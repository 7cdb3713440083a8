package io.wharf.controller;

import io.wharf.config.ConfigExit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one controller process: {@code --config FILE [--set key=value]...}. A shutdown hook (SIGTERM,
 * Ctrl-C) closes the node cleanly, handing leadership over first. Exit codes: 0 after a clean stop,
 * 2 for bad arguments or configuration (reported by {@link ConfigExit}, as every node does), 1 when
 * start-up fails, 70 after a fatal apply error.
 */
public final class ControllerMain {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerMain.class);
    private static final String USAGE = "usage: ControllerMain --config FILE [--set key=value]...";

    private ControllerMain() {
    }

    public static void main(String[] args) {
        ControllerConfig config;
        try {
            config = parse(List.of(args));
        } catch (IllegalArgumentException | java.io.IOException e) {
            ConfigExit.exit("controller", e, USAGE);
            return;
        }
        ControllerNode node = new ControllerNode(config, failure -> {
            LOG.error("Controller {} exits after a fatal error", config.nodeId(), failure);
            System.exit(70);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "wharf-controller-" + config.nodeId() + "-shutdown"));
        try {
            node.start();
        } catch (Exception e) {
            LOG.error("Controller {} failed to start", config.nodeId(), e);
            System.exit(1);
            return;
        }
        try {
            node.awaitClosed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Parses the command line into a configuration: the file first, then each {@code --set} in order. */
    static ControllerConfig parse(List<String> args) throws java.io.IOException {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--config" -> {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("--config needs a file");
                    }
                    file = Path.of(args.get(++i));
                }
                case "--set" -> {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("--set needs key=value");
                    }
                    String pair = args.get(++i);
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--set '" + pair + "' is not key=value");
                    }
                    overrides.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        if (file == null) {
            return ControllerConfig.fromMap(overrides);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("config file " + file + " does not exist");
        }
        try {
            return ControllerConfig.load(file, overrides);
        } catch (java.io.IOException e) {
            throw new java.io.IOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }
}
