package io.wharf.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wharf.metadata.CommandOutcome;
import io.wharf.metadata.CommandProcessor;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataSnapshots;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.MetadataSnapshot;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine around the metadata model: each log entry is one serialized
 * {@link ControllerCommand}; applying it runs {@link CommandProcessor#process} against the current
 * image at the entry's log index and publishes the resulting batch to {@link AppliedMetadata}.
 * Snapshots are {@link MetadataSnapshots} files in a {@link SimpleStateMachineStorage}.
 *
 * <p>Threading: Ratis calls apply, snapshot, pause and reinitialize on its single state-machine
 * updater thread, {@link #startTransaction} on request threads of the leader (it reads nothing but
 * the command), and the leader events on its own threads; those are handed to
 * {@link LeadershipListener}, which must not block.
 */
final class MetadataStateMachine extends BaseStateMachine {

    /** Receives leader-only duty changes. Implementations must be thread-safe and must not block. */
    interface LeadershipListener {
        /** This controller is leader and has applied every earlier entry: start leader duties. */
        void leaderReady();

        /** This controller is no longer leader: stop leader duties. */
        void notLeader();

        /** Raft now names {@code leader} as the leader (null while an election runs); may be this controller. */
        void leaderChanged(RaftPeerId leader);
    }

    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);

    /**
     * Where every controller's log begins: the empty image, as a snapshot at term 0, index 0,
     * identical on all of them, so the first real entry is index 1 and Ratis never sends an
     * append with no previous entry. (Ratis 3.3.0 lets such an append mark a follower's own
     * index 0 committed even when it diverges from the leader's, and that follower then refuses
     * every later append: decision 0008.)
     */
    static final TermIndex GENESIS = TermIndex.valueOf(0, 0);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final AppliedMetadata applied;
    private final LeadershipListener leadership;
    private final Consumer<Throwable> fatalError;
    private volatile boolean failed;

    /**
     * @param fatalError told (once per failure, on the apply thread) when an entry cannot be applied;
     *                   it must stop the node without waiting for this thread
     */
    MetadataStateMachine(AppliedMetadata applied, LeadershipListener leadership, Consumer<Throwable> fatalError) {
        this.applied = applied;
        this.leadership = leadership;
        this.fatalError = fatalError;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        if (storage.loadLatestSnapshot() == null && hasNoLogSegments(raftStorage)) {
            writeSnapshot(MetadataImage.empty(), GENESIS);
            LOG.info("New controller storage: recorded the empty image as the genesis snapshot at log index {}",
                    GENESIS.getIndex());
        }
        // The lifecycle must reach RUNNING here, or a later install-snapshot reload fails (RATIS.md P4).
        getLifeCycle().startAndTransition(() -> load(storage.loadLatestSnapshot()));
    }

    /** True for a Raft storage that has never held a log entry: this controller's very first start. */
    private static boolean hasNoLogSegments(RaftStorage raftStorage) throws IOException {
        File current = raftStorage.getStorageDir().getCurrentDir();
        File[] segments = current.listFiles((dir, name) -> name.startsWith("log_"));
        if (segments == null) {
            throw new IOException("cannot list the Raft storage directory " + current);
        }
        return segments.length == 0;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().transition(LifeCycle.State.STARTING);
        load(storage.loadLatestSnapshot());
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            applied.reset(MetadataImage.empty());
            LOG.info("No metadata snapshot; starting from an empty image");
            return;
        }
        Path file = snapshot.getFile().getPath();
        MD5Hash expected = snapshot.getFile().getFileDigest();
        if (expected != null) {
            MD5FileUtil.verifySavedMD5(file.toFile(), expected);
        }
        MetadataSnapshot decoded = MetadataSnapshot.parseFrom(Files.readAllBytes(file));
        MetadataImage image = MetadataSnapshots.fromSnapshot(decoded);
        setLastAppliedTermIndex(snapshot.getTermIndex());
        applied.reset(image);
        LOG.info("Loaded metadata snapshot {} (log index {}, metadata offset {}, {} brokers, {} topics)",
                file.getFileName(), snapshot.getIndex(), image.offset(), image.brokers().size(), image.topics().size());
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext transaction = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .build();
        String refusal;
        try {
            ControllerCommand command = ControllerCommand.parseFrom(request.getMessage().getContent().toByteArray());
            List<ItemResult> errors = CommandProcessor.precheck(command);
            refusal = errors.isEmpty() ? null : errors.stream()
                    .map(item -> item.getName() + ": " + item.getError().getCode() + " " + item.getError().getMessage())
                    .collect(Collectors.joining("; "));
        } catch (InvalidProtocolBufferException e) {
            refusal = "the request is not a ControllerCommand: " + e.getMessage();
        }
        if (refusal != null) {
            transaction.setException(new IllegalArgumentException(refusal));
        }
        return transaction;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        if (failed) {
            throw new IllegalStateException("the metadata state machine failed earlier; refusing to apply index "
                    + entry.getIndex());
        }
        try {
            long index = entry.getIndex();
            ControllerCommand command = ControllerCommand.parseFrom(
                    entry.getStateMachineLogEntry().getLogData().toByteArray());
            MetadataImage before = applied.image();
            CommandOutcome outcome = CommandProcessor.process(before, command, index, entry.getTerm());
            if (!outcome.records().isEmpty()) {
                MetadataRecordBatch batch = outcome.batch();
                applied.append(before.apply(batch), batch);
            }
            updateLastAppliedTermIndex(entry.getTerm(), index);
            return CompletableFuture.completedFuture(
                    Message.valueOf(UnsafeByteOperations.unsafeWrap(outcome.result().toByteArray())));
        } catch (Throwable t) {
            // The log is the truth; an entry we cannot apply means this replica can no longer be trusted.
            failed = true;
            LOG.error("FATAL: cannot apply metadata log entry {}; stopping this controller", entry.getIndex(), t);
            fatalError.accept(t);
            throw new IllegalStateException("cannot apply metadata log entry " + entry.getIndex(), t);
        }
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        // Reads are served from the local image by ControllerService once the ReadIndex wait is over.
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        MetadataImage image = applied.image();
        writeSnapshot(image, last);
        LOG.info("Took metadata snapshot at log index {} (metadata offset {})", last.getIndex(), image.offset());
        return last.getIndex();
    }

    private void writeSnapshot(MetadataImage image, TermIndex at) throws IOException {
        File file = storage.getSnapshotFile(at.getTerm(), at.getIndex());
        Path temp = file.toPath().resolveSibling(file.getName() + ".tmp");
        Files.write(temp, MetadataSnapshots.toSnapshot(image).toByteArray());
        Files.move(temp, file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), at));
    }

    @Override
    public void notifyLeaderReady() {
        leadership.leaderReady();
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        leadership.leaderChanged(newLeaderId);
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        leadership.notLeader();
    }
}
