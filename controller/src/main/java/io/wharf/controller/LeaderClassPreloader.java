package io.wharf.controller;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and initialises, ahead of time, the classes a controller JVM needs the first time it
 * becomes Raft leader (Ratis's leader state, log appenders, their metrics and gRPC streams).
 *
 * <p>Why: measured on a 2-core machine, a JVM's first leadership spent 40–220 ms between winning
 * the election and starting its leader state, almost all of it loading those classes, against
 * 2–8 ms in a JVM that had led before. That time is part of every failover whose new leader is a
 * freshly (re)started controller. The list is a resource recorded from a real first leadership
 * (see {@code docs/decisions/0004-controller-failover-tuning.md}); a name that no longer exists is
 * skipped, so an outdated list costs speed, never correctness.
 *
 * <p>Threading: {@link #run} is called once, on a worker thread of the owning node.
 */
final class LeaderClassPreloader implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderClassPreloader.class);
    static final String RESOURCE = "leader-path-classes.txt";

    private final ClassLoader loader;
    private final List<String> classNames;

    LeaderClassPreloader(ClassLoader loader, List<String> classNames) {
        this.loader = loader;
        this.classNames = List.copyOf(classNames);
    }

    /** A preloader for the class list shipped with the controller. */
    static LeaderClassPreloader fromResource() {
        ClassLoader loader = LeaderClassPreloader.class.getClassLoader();
        try (InputStream in = LeaderClassPreloader.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the controller jar lacks its resource " + RESOURCE);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> names = reader.lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            return new LeaderClassPreloader(loader, names);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** How many classes the list names. */
    int size() {
        return classNames.size();
    }

    /** Loads every listed class; returns how many could be loaded. */
    int preload() {
        int loaded = 0;
        for (String name : classNames) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            try {
                Class.forName(name, true, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                LOG.debug("Leader-path class {} not preloaded: {}", name, e.toString());
            }
        }
        return loaded;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        int loaded = preload();
        LOG.debug("Preloaded {} of {} leader-path classes in {} ms", loaded, classNames.size(),
                (System.nanoTime() - start) / 1_000_000);
    }
}
