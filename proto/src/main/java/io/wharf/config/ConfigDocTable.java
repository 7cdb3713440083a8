package io.wharf.config;

/**
 * Renders a {@link ConfigKeySet} as the Markdown table docs/configuration.md shows for it:
 * key, type, default, allowed values, whether it is dynamic, and what it means. Stateless.
 */
public final class ConfigDocTable {

    private ConfigDocTable() {
    }

    /** The table, one row per key in definition order, ending with a newline. */
    public static String render(ConfigKeySet keys) {
        StringBuilder table = new StringBuilder();
        table.append("| key | type | default | allowed | dynamic | meaning |\n");
        table.append("|---|---|---|---|---|---|\n");
        for (ConfigKey key : keys.keys()) {
            table.append("| `").append(key.name()).append("` | ").append(key.type().displayName())
                    .append(" | ").append(cell(defaultCell(key)))
                    .append(" | ").append(cell(key.allowed().isEmpty() ? "any" : key.allowed()))
                    .append(" | ").append(key.dynamic() ? "yes" : "no")
                    .append(" | ").append(cell(key.doc())).append(" |\n");
        }
        return table.toString();
    }

    private static String defaultCell(ConfigKey key) {
        String text = key.defaultValue().map(value -> value.isEmpty() ? "\"\"" : "`" + value + "`")
                .orElse(key.defaultText());
        return key.brokerDefaultKey().map(broker -> "the broker's `" + broker + "` (" + text + ")").orElse(text);
    }

    /** Table cells are one line, and a bar would end the cell. */
    private static String cell(String text) {
        return text.replace("\n", " ").replace("|", "\\|");
    }
}
