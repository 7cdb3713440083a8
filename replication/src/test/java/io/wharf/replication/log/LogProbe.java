package io.wharf.replication.log;

import io.wharf.replication.producer.ProducerStateTable;

/** Reaches package-private state of a {@link Log} from tests in other packages. Stateless. */
public final class LogProbe {
    private LogProbe() {
    }

    /** The producer state {@code log} holds now; read it only while no append runs. */
    public static ProducerStateTable producerState(Log log) {
        return log.producerState();
    }
}
