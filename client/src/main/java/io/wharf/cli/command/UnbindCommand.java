package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.client.admin.AdminClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code wharf unbind SOURCE DESTINATION ...}: removes the binding with exactly these fields (none
 * such is not an error, as in RabbitMQ). Single-threaded; one per invocation.
 */
@Command(name = UnbindCommand.NAME, description = "Remove a binding (the same SOURCE, DESTINATION, routing key and arguments).")
public final class UnbindCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "unbind";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Mixin BindingOptions binding;

    public UnbindCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        try (AdminClient admin = bootstrap.connect(env)) {
            admin.unbind(binding.source, binding.destination, binding.kind(), binding.routingKey, binding.arguments);
        }
        BindCommand.report(env, json, binding, "unbound", "Unbound ");
    }
}
