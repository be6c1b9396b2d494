package io.ringroute.shard.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoriesTest {

    @TempDir
    Path tmp;

    @Test
    void deletionCarriesOnWhenFilesVanishWhileItWalks() throws IOException {
        Path root = tmp.resolve("data");
        Path dir = Files.createDirectories(root.resolve("base"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(dir.resolve("f" + i), "x");
        }
        Files.writeString(root.resolve("postmaster.pid"), "42");

        // An exiting server removes files the walk has already listed: on the first file, delete the rest.
        Files.walkFileTree(root, new DataDirectories.Deletion() {
            private boolean raced;

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!raced) {
                    raced = true;
                    try (Stream<Path> siblings = Files.list(file.getParent())) {
                        for (Path p : siblings.filter(p -> !p.equals(file) && Files.isRegularFile(p)).toList()) {
                            Files.delete(p);
                        }
                    }
                }
                return super.visitFile(file, attrs);
            }
        });

        assertThat(root).doesNotExist();
    }

    @Test
    void aFileOrDirectoryAlreadyGoneCountsAsDeleted() throws IOException {
        Path gone = tmp.resolve("postmaster.pid");
        DataDirectories.Deletion deletion = new DataDirectories.Deletion();
        assertThat(deletion.visitFileFailed(gone, new NoSuchFileException(gone.toString())))
                .isEqualTo(FileVisitResult.CONTINUE);
        assertThat(deletion.postVisitDirectory(tmp.resolve("gone-dir"), new NoSuchFileException("gone-dir")))
                .isEqualTo(FileVisitResult.CONTINUE);
    }

    @Test
    void deletingTwiceIsHarmless() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("twice/a/b"));
        Files.writeString(root.resolve("f"), "x");
        DataDirectories.delete(tmp.resolve("twice"));
        DataDirectories.delete(tmp.resolve("twice"));
        assertThat(tmp.resolve("twice")).doesNotExist();
    }
}
