package io.wharf.replication.replica;

import io.wharf.replication.log.EpochEndOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A model log for reconciliation tests: the leader epoch of each offset, with the same
 * "where does epoch E end" answer as the log's epoch cache. Mutable; single-threaded.
 */
final class EpochHistory {
    final List<Integer> epochs;

    EpochHistory(List<Integer> epochs) {
        this.epochs = new ArrayList<>(epochs);
    }

    int size() {
        return epochs.size();
    }

    int lastEpoch() {
        return epochs.isEmpty() ? -1 : epochs.get(epochs.size() - 1);
    }

    void truncateTo(long offset) {
        while (epochs.size() > offset) {
            epochs.remove(epochs.size() - 1);
        }
    }

    /** Largest epoch ≤ requested and the offset where the next epoch starts (or the log end). */
    EpochEndOffset endOffsetFor(int requested) {
        EpochEndOffset answer = EpochEndOffset.UNDEFINED;
        for (int i = 0; i < epochs.size(); i++) {
            int epoch = epochs.get(i);
            if (epoch > requested) {
                break;
            }
            int end = i;
            while (end < epochs.size() && epochs.get(end) == epoch) {
                end++;
            }
            answer = new EpochEndOffset(epoch, end);
            i = end - 1;
        }
        return answer;
    }
}
