package io.wharf.replication.log.fault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * The {@link DiskFaults} a test currently asks for, read from a control file: absent means a
 * healthy disk. Each {@link #current()} costs one {@code stat} of the file; the file is read again
 * only when its inode, size or modification time changed. Writers replace the file atomically
 * (write a sibling, rename it over), so a reader never sees half a file. Thread-safe.
 */
public final class DiskFaultControlFile {

    /** What the last read saw: the file's identity and the faults it held. */
    private record Snapshot(Object fileKey, FileTime modified, long size, DiskFaults faults) {
    }

    private static final Snapshot ABSENT = new Snapshot(null, null, -1, DiskFaults.NONE);

    private final Path file;
    private volatile Snapshot last = ABSENT;

    public DiskFaultControlFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * The faults the control file asks for now.
     *
     * @throws IOException when the file exists but cannot be read or holds something
     *     {@link DiskFaults#parse} rejects: the caller's storage operation fails with it, loudly
     */
    public DiskFaults current() throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            last = ABSENT;
            return DiskFaults.NONE;
        }
        Snapshot seen = last;
        if (seen != ABSENT && Objects.equals(seen.fileKey(), attributes.fileKey())
                && seen.modified().equals(attributes.lastModifiedTime()) && seen.size() == attributes.size()) {
            return seen.faults();
        }
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            last = ABSENT;
            return DiskFaults.NONE;
        }
        DiskFaults faults;
        try {
            faults = DiskFaults.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("disk fault control file " + file + " is malformed: " + e.getMessage(), e);
        }
        last = new Snapshot(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size(), faults);
        return faults;
    }

    /** Replaces the control file with {@code faults} atomically (the test side). */
    public void write(DiskFaults faults) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path next = Files.createTempFile(parent, file.getFileName().toString(), ".next");
        Files.writeString(next, faults.format());
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the control file: the disk is healthy again (the test side). */
    public void clear() throws IOException {
        Files.deleteIfExists(file);
    }
}
