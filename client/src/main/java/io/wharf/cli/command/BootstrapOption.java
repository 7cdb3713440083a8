package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.AdminClientConfig;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --bootstrap host:port,...}: the controllers to talk to; default the local cluster's.
 * Single-threaded; filled by picocli.
 */
public final class BootstrapOption {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Controllers to contact (default: the local cluster's, else 127.0.0.1:17001-17003).")
    String bootstrap;

    public List<Endpoint> endpoints(CliEnvironment env) {
        return bootstrap == null ? env.defaultControllers() : Endpoint.parseList(bootstrap);
    }

    public AdminClient connect(CliEnvironment env) {
        return new AdminClient(AdminClientConfig.of(endpoints(env)));
    }
}
