package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.AdminClientConfig;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --bootstrap host:port,...}: the controllers to talk to (default the local cluster's), and
 * {@code --timeout}: how long to retry while none answers.
 * Single-threaded; filled by picocli.
 */
public final class BootstrapOption {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Controllers to contact (default: the local cluster's, else 127.0.0.1:17001-17003).")
    String bootstrap;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long to keep retrying while no controller answers (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    public List<Endpoint> endpoints(CliEnvironment env) {
        return bootstrap == null ? env.defaultControllers() : Endpoint.parseList(bootstrap);
    }

    public AdminClient connect(CliEnvironment env) {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        }
        return new AdminClient(AdminClientConfig.of(endpoints(env)).withTotalTimeout(Duration.ofSeconds(timeoutSeconds)),
                env.channels());
    }
}
