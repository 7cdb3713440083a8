package io.wharf.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Reads a node's properties file (UTF-8) into key/value text, for a {@link ConfigKeySet} to parse. Stateless. */
public final class PropertiesFile {

    private PropertiesFile() {
    }

    /**
     * The file's keys and values, then {@code overrides} on top (later wins).
     *
     * @throws IOException when the file cannot be read
     */
    public static Map<String, String> read(Path file, Map<String, String> overrides) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            values.put(name, properties.getProperty(name));
        }
        values.putAll(overrides);
        return values;
    }
}
