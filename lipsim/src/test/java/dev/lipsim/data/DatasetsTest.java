package dev.lipsim.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lipsim.eval.TwoAfc;
import dev.lipsim.image.ImageDecoder;
import dev.lipsim.tensor.Tensor;
import dev.lipsim.tensor.TensorScope;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path work;

    @Test
    void syntheticSetIsReadableAsNightAndDefeatsPixelDistance() throws IOException {
        Path root = work.resolve("synth");
        SyntheticTwoAfc.write(root, 300, 24, 7);
        List<TwoAfcSample> train = NightDataset.load(root, "train");
        List<TwoAfcSample> all = new ArrayList<>(train);
        all.addAll(NightDataset.load(root, "val"));
        all.addAll(NightDataset.load(root, "test"));
        assertEquals(all.size(), NightDataset.load(root, "test_imagenet").size() + NightDataset.load(root, "test_no_imagenet").size()
                + train.size() + NightDataset.load(root, "val").size());
        assertTrue(all.size() < 300 && all.size() > 260, "rows with fewer than 6 votes are dropped: " + all.size());
        double pixelScore = 0;
        double perfectScore = 0;
        try (var scope = TensorScope.open()) {
            for (TwoAfcSample sample : all) {
                try (var each = TensorScope.open()) {
                    Tensor reference = ImageDecoder.read(sample.reference());
                    double d0 = ImageDecoder.read(sample.left()).sub(reference).norm().item();
                    double d1 = ImageDecoder.read(sample.right()).sub(reference).norm().item();
                    pixelScore += TwoAfc.score(d0, d1, sample.target());
                    perfectScore += TwoAfc.score(sample.humanChoice() == 1 ? 1 : 0, sample.humanChoice() == 1 ? 0 : 1, sample.target());
                }
            }
        }
        pixelScore /= all.size();
        perfectScore /= all.size();
        assertEquals(0.9, perfectScore, 1e-9, "a metric that agrees with the majority scores 0.9");
        assertTrue(Math.abs(pixelScore - 0.5) < 0.1, "pixel l2 should be near chance, got " + pixelScore);
        var reused = assertThrows(IllegalArgumentException.class, () -> SyntheticTwoAfc.write(root, 1, 24, 1));
        assertTrue(reused.getMessage().contains("not empty"));
    }

    @Test
    void nightReaderChecksItsInput() throws IOException {
        Path root = Files.createDirectories(work.resolve("night"));
        assertTrue(assertThrows(IOException.class, () -> NightDataset.load(work.resolve("absent"), "train")).getMessage()
                .contains("is not a folder"));
        assertTrue(assertThrows(IOException.class, () -> NightDataset.load(root, "train")).getMessage().contains("no data.csv"));
        Files.writeString(root.resolve("data.csv"), "id,votes,split\n1,7,train\n");
        var missing = assertThrows(IOException.class, () -> NightDataset.load(root, "train"));
        assertTrue(missing.getMessage().contains("lacks the columns [right_vote, ref_path"), missing.getMessage());
        String header = "extra,id,left_vote,right_vote,votes,ref_path,left_path,right_path,split,is_imagenet\n";
        Files.writeString(root.resolve("data.csv"), header + "x,1,0.2,0.8,seven,r.png,a.png,b.png,train,False\n");
        var bad = assertThrows(IOException.class, () -> NightDataset.load(root, "train"));
        assertTrue(bad.getMessage().contains("line 2: column 'votes' is 'seven'"), bad.getMessage());
        Files.writeString(root.resolve("data.csv"), header + "x,1,0.2,0.8,5,r.png,a.png,b.png,train,False\n"
                + "x,2,0.25,0.75,6,r2.png,a2.png,b2.png,test,True\n");
        assertTrue(assertThrows(IOException.class, () -> NightDataset.load(root, "train")).getMessage()
                .contains("no rows in split 'train'"));
        TwoAfcSample sample = NightDataset.load(root, "test_imagenet").get(0);
        assertEquals(0.75, sample.target());
        assertEquals(root.resolve("a2.png"), sample.left());
        assertEquals(1, sample.humanChoice());
        assertThrows(IllegalArgumentException.class, () -> NightDataset.load(root, "holdout"));
    }

    @Test
    void bappsReaderPairsFilesAndReadsNpyJudgments() throws IOException {
        Path folder = work.resolve("2afc/val/traditional");
        for (String part : List.of("ref", "p0", "p1", "judge")) {
            Files.createDirectories(folder.resolve(part));
        }
        for (String stem : List.of("000000", "000001")) {
            for (String part : List.of("ref", "p0", "p1")) {
                Files.write(folder.resolve(part).resolve(stem + ".png"), new byte[0]);
            }
        }
        Files.write(folder.resolve("judge/000000.npy"), npy("<f4", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(0.25f).array()));
        Files.write(folder.resolve("judge/000001.npy"), npy("<f8", ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putDouble(1.0).array()));
        List<TwoAfcSample> samples = BappsDataset.load(folder);
        assertEquals(List.of("000000", "000001"), samples.stream().map(TwoAfcSample::id).toList());
        assertEquals(0.25, samples.get(0).target());
        assertEquals(1.0, samples.get(1).target());
        assertEquals(folder.resolve("p1/000001.png"), samples.get(1).right());
        Files.delete(folder.resolve("p0/000001.png"));
        assertTrue(assertThrows(IOException.class, () -> BappsDataset.load(folder)).getMessage().contains("no image named 000001"));
        assertTrue(assertThrows(IOException.class, () -> BappsDataset.load(work)).getMessage().contains("has no ref/ folder"));
    }

    private static byte[] npy(String descr, byte[] data) {
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1,), }";
        header = header + " ".repeat(63 - header.length()) + "\n";
        ByteBuffer buffer = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).put(data);
        return buffer.array();
    }

    @Test
    void imageFolderSortsClassesAndImages() throws IOException {
        Path root = work.resolve("imagenet");
        for (String path : List.of("b/2.JPG", "b/1.png", "a/x.jpeg", "a/notes.txt")) {
            Files.createDirectories(root.resolve(path).getParent());
            Files.write(root.resolve(path), new byte[0]);
        }
        ImageFolder folder = ImageFolder.load(root);
        assertEquals(List.of("a", "b"), folder.classes());
        assertEquals(List.of(root.resolve("a/x.jpeg"), root.resolve("b/1.png"), root.resolve("b/2.JPG")),
                folder.items().stream().map(ImageFolder.Item::image).toList());
        assertEquals(List.of(0, 1, 1), folder.items().stream().map(ImageFolder.Item::label).toList());
        assertThrows(IOException.class, () -> ImageFolder.load(root.resolve("a")));
    }

    @Test
    void loaderKeepsOrderBoundsWorkAndHandlesBadItems() {
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            items.add(i);
        }
        ParallelLoader.Decoder<Integer, Integer> slowSquare = i -> {
            Thread.sleep((i * 7) % 5);
            if (i == 13) {
                throw new IOException("item 13 is unreadable");
            }
            return i * i;
        };
        List<Integer> seen = new ArrayList<>();
        try (var loader = new ParallelLoader<>(items, slowSquare, 5, 4, 8, ParallelLoader.OnError.SKIP, result -> {})) {
            List<Integer> sizes = new ArrayList<>();
            for (List<Integer> batch : loader) {
                sizes.add(batch.size());
                seen.addAll(batch);
            }
            assertEquals(List.of(5, 5, 5, 5, 2), sizes);
            assertEquals(List.of("13: item 13 is unreadable"), loader.skipped());
        }
        List<Integer> expected = items.stream().filter(i -> i != 13).map(i -> i * i).toList();
        assertEquals(expected, seen, "items come back in order");
        try (var strict = new ParallelLoader<>(items, slowSquare, 5, 4, 8, ParallelLoader.OnError.FAIL, result -> {})) {
            var error = assertThrows(ParallelLoader.LoadFailure.class, () -> strict.forEach(batch -> { }));
            assertTrue(error.getMessage().contains("cannot load 13: item 13 is unreadable"), error.getMessage());
        }
        try (var strict = new ParallelLoader<>(items, slowSquare, 5, 4, 8, ParallelLoader.OnError.FAIL, result -> {})) {
            var batches = strict.iterator();
            assertEquals(List.of(0, 1, 4, 9, 16), batches.next());
            assertEquals(List.of(25, 36, 49, 64, 81), batches.next());
            assertThrows(ParallelLoader.LoadFailure.class, batches::next, "the failure comes with the batch holding item 13");
        }
        assertEquals(ParallelLoader.shuffled(items, 3), ParallelLoader.shuffled(items, 3));
        assertTrue(!ParallelLoader.shuffled(items, 3).equals(items));
    }
}
