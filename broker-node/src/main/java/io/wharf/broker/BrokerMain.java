package io.wharf.broker;

import io.wharf.config.ConfigExit;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.fault.DiskFaultControlFile;
import io.wharf.replication.log.fault.FaultInjectingFileChannels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one broker as a process: {@code BrokerMain --config FILE [--set key=value]...}. A shutdown
 * hook closes the node, so SIGTERM (or Ctrl-C) performs a controlled shutdown before exit.
 *
 * <p>Exit codes: 0 after a clean stop, 1 when the node stopped on a fatal error or failed to
 * start, 2 on bad arguments or configuration (reported by {@link ConfigExit}, as every node does).
 */
public final class BrokerMain {

    private static final Logger log = LoggerFactory.getLogger(BrokerMain.class);
    private static final String USAGE = "usage: BrokerMain --config FILE [--set key=value]...";
    /**
     * JVM system property naming a directory of disk fault control files; when set, broker N's
     * segment files go through {@link FaultInjectingFileChannels} driven by
     * {@code <dir>/broker-N.faults}. Only the nemesis suite sets it (decision disk-fault-injection.md).
     */
    static final String DISK_FAULT_CONTROL_DIR = "wharf.test.disk.fault.control.dir";

    private BrokerMain() {
    }

    public static void main(String[] args) {
        BrokerConfig config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException | IOException e) {
            ConfigExit.exit("broker", e, USAGE);
            return;
        }
        log.info("Starting broker with {}", config);
        BrokerNode node = new BrokerNode(config, logFiles(config.nodeId(), System.getProperties()));
        Thread hook = new Thread(node::close, "broker-" + config.nodeId() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            node.start();
        } catch (IOException | RuntimeException e) {
            log.error("Broker {} failed to start", config.nodeId(), e);
            System.exit(1);
            return;
        }
        try {
            node.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Reached only when the node stopped by itself (a shutdown hook exits the JVM on its own).
        System.exit(node.failure().isPresent() ? 1 : 0);
    }

    /**
     * Real segment files, or, when {@code systemProperties} hold {@link #DISK_FAULT_CONTROL_DIR},
     * files with the faults that directory's control file for {@code nodeId} asks for.
     */
    static LogFileChannels logFiles(int nodeId, Properties systemProperties) {
        String dir = systemProperties.getProperty(DISK_FAULT_CONTROL_DIR);
        if (dir == null || dir.isBlank()) {
            return LogFileChannels.DEFAULT;
        }
        DiskFaultControlFile control = new DiskFaultControlFile(Path.of(dir).resolve("broker-" + nodeId + ".faults"));
        log.warn("Disk fault injection is on ({}): segment writes and fsyncs follow {}", DISK_FAULT_CONTROL_DIR,
                control.file());
        return FaultInjectingFileChannels.controlledBy(control);
    }

    /**
     * Reads the arguments into a configuration.
     *
     * @throws IllegalArgumentException for a malformed argument or config value, naming it
     * @throws IOException when the config file cannot be read
     */
    static BrokerConfig parse(String[] args) throws IOException {
        Path file = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value;
            String flag;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0 && (arg.startsWith("--config=") || arg.startsWith("--set="))) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                flag = arg;
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("'" + arg + "' needs a value");
                }
                value = args[++i];
            }
            switch (flag) {
                case "--config" -> file = Path.of(value);
                case "--set" -> {
                    int sep = value.indexOf('=');
                    if (sep <= 0) {
                        throw new IllegalArgumentException("--set '" + value + "' is not key=value");
                    }
                    overrides.put(value.substring(0, sep).trim(), value.substring(sep + 1));
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        if (file == null) {
            throw new IllegalArgumentException("--config FILE is required");
        }
        try {
            return BrokerConfig.load(file, overrides);
        } catch (IOException e) {
            throw new IOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }
}
