package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The bindings of a {@link MetadataImage}: a set (a binding's identity is all five fields, so
 * there are no duplicates) kept in one canonical order, so that two images with the same bindings
 * are equal and route alike. Immutable; each change returns a new value.
 */
public final class Bindings {

    private static final Bindings EMPTY = new Bindings(List.of());

    /** Source, destination kind, destination, routing key, then arguments in key order. */
    static final Comparator<BindingInfo> ORDER = Comparator.comparing(BindingInfo::getSource)
            .thenComparingInt(BindingInfo::getDestinationKindValue)
            .thenComparing(BindingInfo::getDestination)
            .thenComparing(BindingInfo::getRoutingKey)
            .thenComparing((a, b) -> compareArguments(a.getArgumentsMap(), b.getArgumentsMap()));

    private final List<BindingInfo> all;
    private final Map<String, List<BindingInfo>> bySource;

    /** Takes a list already in {@link #ORDER} without duplicates. */
    private Bindings(List<BindingInfo> sorted) {
        this.all = List.copyOf(sorted);
        Map<String, List<BindingInfo>> index = new LinkedHashMap<>();
        for (BindingInfo binding : all) {
            index.computeIfAbsent(binding.getSource(), key -> new ArrayList<>()).add(binding);
        }
        index.replaceAll((source, list) -> List.copyOf(list));
        this.bySource = Collections.unmodifiableMap(index);
    }

    /** No bindings. */
    public static Bindings empty() {
        return EMPTY;
    }

    /** Every binding in canonical order (by source, then destination kind, destination, key, arguments). */
    public List<BindingInfo> all() {
        return all;
    }

    /** The bindings whose source is exchange {@code source}, in canonical order; empty when none. */
    public List<BindingInfo> from(String source) {
        return bySource.getOrDefault(source, List.of());
    }

    /** True when exactly this binding (all five fields) exists. */
    public boolean contains(BindingInfo binding) {
        return Collections.binarySearch(from(binding.getSource()), binding, ORDER) >= 0;
    }

    /** True when some binding has exchange {@code name} as its source. */
    public boolean hasSource(String name) {
        return bySource.containsKey(name);
    }

    public int size() {
        return all.size();
    }

    /** These bindings and {@code binding}; this value itself when it is already present. */
    Bindings with(BindingInfo binding) {
        int at = Collections.binarySearch(all, binding, ORDER);
        if (at >= 0) {
            return this;
        }
        List<BindingInfo> changed = new ArrayList<>(all);
        changed.add(-at - 1, binding);
        return new Bindings(changed);
    }

    /** These bindings without {@code binding}; this value itself when it is absent. */
    Bindings without(BindingInfo binding) {
        return without(binding::equals);
    }

    /** These bindings without every binding from or to exchange {@code name}. */
    Bindings withoutExchange(String name) {
        return without(b -> b.getSource().equals(name)
                || (b.getDestinationKind() == DestinationKind.EXCHANGE && b.getDestination().equals(name)));
    }

    /** These bindings without every binding to queue {@code name}. */
    Bindings withoutQueue(String name) {
        return without(b -> b.getDestinationKind() == DestinationKind.QUEUE && b.getDestination().equals(name));
    }

    private Bindings without(Predicate<BindingInfo> drop) {
        List<BindingInfo> kept = new ArrayList<>(all);
        return kept.removeIf(drop) ? (kept.isEmpty() ? EMPTY : new Bindings(kept)) : this;
    }

    private static int compareArguments(Map<String, String> a, Map<String, String> b) {
        Iterator<Map.Entry<String, String>> left = new TreeMap<>(a).entrySet().iterator();
        Iterator<Map.Entry<String, String>> right = new TreeMap<>(b).entrySet().iterator();
        while (left.hasNext() && right.hasNext()) {
            Map.Entry<String, String> l = left.next();
            Map.Entry<String, String> r = right.next();
            int byKey = l.getKey().compareTo(r.getKey());
            if (byKey != 0) {
                return byKey;
            }
            int byValue = l.getValue().compareTo(r.getValue());
            if (byValue != 0) {
                return byValue;
            }
        }
        return Boolean.compare(left.hasNext(), right.hasNext());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bindings other && all.equals(other.all);
    }

    @Override
    public int hashCode() {
        return all.hashCode();
    }

    @Override
    public String toString() {
        return all.stream().map(b -> b.getSource() + "->" + b.getDestinationKind() + ":" + b.getDestination()
                + "[" + b.getRoutingKey() + "]" + new TreeMap<>(b.getArgumentsMap())).toList().toString();
    }
}
