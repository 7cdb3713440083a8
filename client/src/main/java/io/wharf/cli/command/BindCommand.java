package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.view.BindingView;
import io.wharf.client.admin.AdminClient;
import io.wharf.proto.common.BindingInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code wharf bind SOURCE DESTINATION ...}: adds a binding. Single-threaded; one per invocation. */
@Command(name = BindCommand.NAME, description = "Bind a queue (or, with --to-exchange, an exchange) to an exchange.")
public final class BindCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "bind";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Mixin BindingOptions binding;

    public BindCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        try (AdminClient admin = bootstrap.connect(env)) {
            admin.bind(binding.source, binding.destination, binding.kind(), binding.routingKey, binding.arguments);
        }
        report(env, json, binding, "bound", "Bound ");
    }

    static void report(CliEnvironment env, JsonOption json, BindingOptions binding, String key, String verb) {
        if (json.enabled()) {
            BindingView view = BindingView.of(BindingInfo.newBuilder().setSource(binding.source)
                    .setDestination(binding.destination).setDestinationKind(binding.kind())
                    .setRoutingKey(binding.routingKey).putAllArguments(binding.arguments).build());
            Json.print(env.out(), Json.object("binding", view, key, true));
        } else {
            env.out().println(verb + binding.describe() + ".");
        }
    }
}
