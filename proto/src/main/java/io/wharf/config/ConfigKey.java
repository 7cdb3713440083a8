package io.wharf.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The one definition of a configuration key: its name, type, default (or that it is required),
 * what values are allowed, its meaning, whether it changes without a restart, and, for a topic key,
 * the broker key whose value a topic that does not set it falls back to. Immutable; build with
 * {@link #define(String, ConfigType)}.
 *
 * <p>A key either has a default value, is required, or has neither: then the node derives its
 * value from others (for example {@code advertised.host} from {@code listen.host}), and
 * {@link #defaultText()} says how.
 *
 * @param name the key as written in a properties file or a topic's configs
 * @param type how the value's text is parsed
 * @param defaultValue the value's text when the key is not set, if it has one
 * @param required whether a value must be given
 * @param defaultText how docs/configuration.md writes the default
 * @param check what a parsed value must satisfy
 * @param blankRefused whether a blank value is an error rather than "not set"
 * @param doc what the key means, for docs/configuration.md (Markdown, one paragraph)
 * @param dynamic whether a change applies without restarting anything (topic keys altered live)
 * @param brokerDefaultKey for a topic key, the broker key that supplies its default on each broker
 */
public record ConfigKey(String name, ConfigType type, Optional<String> defaultValue, boolean required,
        String defaultText, ConfigCheck check, boolean blankRefused, String doc, boolean dynamic,
        Optional<String> brokerDefaultKey) {

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(check, name);
        if (doc == null || doc.isBlank()) {
            throw new IllegalArgumentException("config key " + name + " has no doc");
        }
        if (required && defaultValue.isPresent()) {
            throw new IllegalArgumentException("config key " + name + " is required and has a default");
        }
    }

    /** What is allowed, for error messages and the bounds column of docs/configuration.md. */
    public String allowed() {
        return type == ConfigType.BOOLEAN ? "true or false" : check.allowed();
    }

    /** Starts the definition of a key; every key needs at least a doc. */
    public static Builder define(String name, ConfigType type) {
        return new Builder(name, type);
    }

    /** Collects one key's definition; single-threaded. */
    public static final class Builder {
        private final String name;
        private final ConfigType type;
        private Optional<String> defaultValue = Optional.empty();
        private boolean required;
        private String derivedDefault = "";
        private ConfigCheck check;
        private boolean blankRefused;
        private String doc;
        private boolean dynamic;
        private Optional<String> brokerDefaultKey = Optional.empty();

        private Builder(String name, ConfigType type) {
            this.name = name;
            this.type = type;
        }

        /** The value when the key is not set (its text is parsed and checked like a given value). */
        public Builder defaultValue(Object value) {
            this.defaultValue = Optional.of(String.valueOf(value));
            return this;
        }

        /** The key must be given. */
        public Builder required() {
            this.required = true;
            return this;
        }

        /** Without a value the node derives one, as {@code description} says (for the docs). */
        public Builder derivedDefault(String description) {
            this.derivedDefault = description;
            return this;
        }

        /** What a value must satisfy. */
        public Builder check(ConfigCheck check) {
            this.check = check;
            return this;
        }

        /** A whole number from {@code min} to {@code max}. */
        public Builder between(long min, long max) {
            return check(ConfigCheck.between(min, max));
        }

        /** A whole number of at least {@code min}, up to the type's largest. */
        public Builder atLeast(long min) {
            return check(ConfigCheck.atLeast(min, type));
        }

        /** A blank value is an error, not "not set". */
        public Builder blankRefused() {
            this.blankRefused = true;
            return this;
        }

        /** What the key means. */
        public Builder doc(String doc) {
            this.doc = doc;
            return this;
        }

        /** A change applies to what is running, without a restart. */
        public Builder dynamic() {
            this.dynamic = true;
            return this;
        }

        /** For a topic key: the broker key whose value a topic that does not set this key gets. */
        public Builder brokerDefault(String brokerKey) {
            this.brokerDefaultKey = Optional.of(brokerKey);
            return this;
        }

        public ConfigKey build() {
            String text = required ? "required" : defaultValue.orElse(derivedDefault);
            ConfigCheck effective = check != null ? check : switch (type) {
                case INT -> ConfigCheck.between(Integer.MIN_VALUE, Integer.MAX_VALUE);
                case LONG -> ConfigCheck.between(Long.MIN_VALUE, Long.MAX_VALUE);
                default -> ConfigCheck.any();
            };
            return new ConfigKey(name, type, defaultValue, required, text, effective, blankRefused, doc, dynamic,
                    brokerDefaultKey);
        }
    }
}
