package dev.lipsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lipsim.certify.TripletCertificate;
import dev.lipsim.data.NightDataset;
import dev.lipsim.data.SyntheticTwoAfc;
import dev.lipsim.data.TwoAfcSample;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lipsim finetune} and {@code lipsim eval}, also as the reference's command lines. */
class TrainingCommandsTest {

    private static final String[] TINY = {"--random-init", "--depth", "1", "--num_channels", "4", "--conv_size", "2",
        "--depth_linear", "1", "--n_features", "8", "--image-size", "16", "--embedding-dim", "4", "--seed", "3"};

    @TempDir
    static Path work;

    private static Path data;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void synthesize() throws IOException {
        data = work.resolve("synth");
        SyntheticTwoAfc.write(data, 60, 16, 4);
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return new Main(List.of(new FinetuneCommand(), new EvalCommand(), new TrainCommand(), new EmbedCommand(),
                new CertifyCommand(), new AttackCommand(), new RetrieveCommand(), new DistanceCommand())).run(args,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static String[] with(String[] base, String... more) {
        List<String> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private JsonNode json() throws IOException {
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    }

    private String error() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theReferenceFineTuneAndEvalCommandLinesWork() throws IOException {
        Path run = work.resolve("reference-style");
        int exit = run(with(new String[] {"--mode", "finetune", "--dataset", "night", "--data_dir", data.toString(),
            "--train_dir", run.toString(), "--batch_size", "8", "--epochs", "1", "--margin", "0.2", "--local", "--nnodes", "4"},
                TINY));
        assertEquals(0, exit, error());
        JsonNode report = json();
        assertEquals("completed", report.get("status").asText());
        assertEquals(report.get("totalSteps").asLong(), report.get("steps").asLong());
        assertTrue(report.at("/noEffect/--local").asText().contains("no effect"));
        assertTrue(report.at("/noEffect/--nnodes").asText().contains("no effect"));
        assertTrue(report.get("evaluation").has("overall"));
        String config = Files.readString(run.resolve("config.json"));
        assertTrue(config.contains("\"loss\" : \"hinge\"") && config.contains("\"margin\" : 0.2"), config);

        assertEquals(0, run("--mode", "eval", "--data_dir", data.toString(), "--train_dir", run.toString()), error());
        JsonNode evaluation = json();
        assertTrue(evaluation.get("model").asText().endsWith("step-" + String.format("%08d", report.get("steps").asLong())
                + ".safetensors"), evaluation.toString());
        int imagenet = evaluation.at("/parts/test_imagenet/triplets").asInt();
        int other = evaluation.at("/parts/test_no_imagenet/triplets").asInt();
        assertEquals(NightDataset.load(data, "test").size(), imagenet + other);
        double weighted = (evaluation.at("/parts/test_imagenet/score").asDouble() * imagenet
                + evaluation.at("/parts/test_no_imagenet/score").asDouble() * other) / (imagenet + other);
        assertEquals(weighted, evaluation.at("/overall/score").asDouble(), 1e-12);
        assertEquals(report.at("/evaluation/overall/score").asDouble(), evaluation.at("/overall/score").asDouble(), 1e-12,
                "eval of the run's last checkpoint repeats finetune's own evaluation");

        assertEquals(0, run("--mode", "eval", "--data_dir", data.toString(), "--train_dir", run.toString(), "--split",
                "val,test"), error());
        JsonNode chosen = json();
        int val = chosen.at("/parts/val/triplets").asInt();
        int test = chosen.at("/parts/test/triplets").asInt();
        double both = (chosen.at("/parts/val/score").asDouble() * val + chosen.at("/parts/test/score").asDouble() * test)
                / (val + test);
        assertEquals(both, chosen.at("/overall/score").asDouble(), 1e-12, "overall is the mean of the splits asked for");
        assertEquals("[\"val\",\"test\"]", chosen.get("overallOf").toString());
    }

    @Test
    void aRunIsNeverOverwrittenAndResumeTakesNoNewSettings() {
        Path run = work.resolve("guarded");
        String[] start = with(new String[] {"finetune", "--data-dir", data.toString(), "--train-dir", run.toString(),
            "--batch-size", "16", "--no-eval"}, TINY);
        assertEquals(0, run(start), error());
        assertEquals(2, run(start));
        assertTrue(error().contains("already holds a run; continue it with --resume"), error());
        assertEquals(2, run("finetune", "--resume", run.toString(), "--lr", "0.5"));
        assertTrue(error().contains("--lr cannot change it"), error());
        assertEquals(0, run("finetune", "--resume", run.toString(), "--no-eval"), error());
    }

    @Test
    void modesThatAreNotHereSaySoAndBadFlagsAreNamed() {
        assertEquals(2, run("--mode", "ssa", "--data_dir", data.toString()));
        assertTrue(error().startsWith("lipsim: --mode ssa is not supported"), error());
        assertEquals(2, run("--dataset", "imagenet", "--epochs", "40"));
        assertTrue(error().startsWith("lipsim train: --data_dir DIR is required"), "the reference's default mode: " + error());
        assertEquals(2, run(with(new String[] {"finetune", "--data_dir", data.toString(), "--train_dir",
            work.resolve("bad").toString(), "--loss", "cross"}, TINY)));
        assertTrue(error().contains("loss must be one of [hinge, rmse], got 'cross'"), error());
        assertEquals(2, run(with(new String[] {"finetune", "--data_dir", work.resolve("absent").toString(), "--train_dir",
            work.resolve("bad2").toString()}, TINY)));
        assertTrue(error().contains("--data_dir " + work.resolve("absent") + ": no such folder"), error());
        assertEquals(2, run("finetune", "--data_dir", data.toString(), "--train_dir", work.resolve("empty").toString()));
        assertTrue(error().contains("no model to fine-tune"), error());
        assertEquals(2, run(with(new String[] {"finetune", "--data_dir", data.toString(), "--train_dir",
            work.resolve("bad3").toString(), "--backend", "nccl"}, TINY)));
        assertTrue(error().contains("--backend nccl reduces gradients in GPU memory; it needs --device cuda, not cpu"), error());
        assertEquals(2, run(with(new String[] {"finetune", "--data_dir", data.toString(), "--train_dir",
            work.resolve("bad4").toString(), "--backend", "gloo"}, TINY)));
        assertTrue(error().contains("--backend must be mpi or nccl, got 'gloo'"), error());
    }

    private static final String[] STUDENT = {"--random-init", "--depth", "1", "--num_channels", "32", "--conv_size", "2",
        "--depth_linear", "1", "--n_features", "16", "--image-size", "32", "--seed", "5", "--batch_size", "8", "--epochs", "2",
        "--warmup_steps", "3"};

    private static String[] student(String... more) {
        return with(more, STUDENT);
    }

    @Test
    void distilsFromTheDemoTeacherOnTheFlyOrPrecomputedAlike() throws IOException {
        Path images = data.resolve("ref");
        Path live = work.resolve("distil-live");
        assertEquals(0, run(student("--mode", "train", "--teacher_model_name", "demo", "--data_dir", images.toString(),
                "--train_dir", live.toString(), "--nnodes", "4")), error());
        JsonNode onTheFly = json();
        assertEquals("completed", onTheFly.get("status").asText());
        assertEquals("demo", onTheFly.get("teacher").asText());
        assertTrue(onTheFly.at("/noEffect/--nnodes").isTextual());

        Path targets = work.resolve("demo-targets");
        assertEquals(0, run("embed", "--teacher", "demo", images.toString(), "--output", targets.toString(), "--crop", "32"),
                error());
        assertEquals(2 * json().get("images").asInt(), json().get("views").asInt());
        assertEquals(0, run(student("train", "--teacher_model_name", "precomputed", "--teacher-embeddings", targets.toString(),
                "--data_dir", images.toString(), "--train_dir", work.resolve("distil-precomputed").toString())), error());
        assertEquals(onTheFly.get("lastLoss").asDouble(), json().get("lastLoss").asDouble(), 1e-6,
                "the same run, with the teacher read instead of run");

        assertEquals(2, run(student("train", "--teacher_model_name", "ensemble", "--data_dir", images.toString(), "--train_dir",
                work.resolve("ensemble").toString())));
        assertTrue(error().contains("this teacher needs --dreamsim_path PATH"), error());
        assertEquals(2, run(student("train", "--teacher_model_name", "demo", "--embedding-dim", "64", "--data_dir",
                images.toString(), "--train_dir", work.resolve("wrong-size").toString())));
        assertTrue(error().contains("the teacher's embeddings have 126 dimensions, not --embedding-dim 64"), error());
        assertEquals(0, run("train", "--resume", live.toString()), error());
        assertEquals(onTheFly.get("steps").asLong(), json().get("firstStep").asLong(), "a finished run resumes at its end");
    }

    @Test
    void certifiesPerSplitWithTheReferencesNumberBesideAndPlots() throws IOException {
        Path plots = work.resolve("plots");
        assertEquals(0, run(with(new String[] {"--mode", "certified", "--data_dir", data.toString(), "--eps", "0,36/255",
            "--embedding", "append-one", "--plots", plots.toString()}, TINY)), error());
        JsonNode report = json();
        assertEquals("[0.0,0.1411764705882353]", report.get("eps").toString());
        int triplets = report.at("/parts/test_imagenet/triplets").asInt() + report.at("/parts/test_no_imagenet/triplets").asInt();
        assertEquals(triplets, report.at("/overall/triplets").asInt());
        double natural = report.at("/overall/natural").asDouble();
        double certified = report.at("/overall/certified/0.1411764705882353").asDouble();
        assertTrue(certified <= report.at("/overall/certified/0.0").asDouble() && report.at("/overall/certified/0.0").asDouble()
                <= natural, report.toString());
        assertTrue(certified <= report.at("/overall/reference/0.1411764705882353").asDouble(), "the reference's number is "
                + "never below the sound one");
        assertTrue(Files.size(plots.resolve("certified-accuracy.png")) > 1000 && Files.size(plots.resolve("radii.png")) > 1000);
        assertTrue(report.get("normCap") == null, "append-one radii have no norm cap");
        Path csv = work.resolve("certificates.csv");
        assertEquals(0, run(with(new String[] {"certify", "--data_dir", data.toString(), "--eps", "0,36/255",
            "--embedding", "append-one", "--per-triplet", csv.toString()}, TINY)), error());
        List<String> rows = Files.readAllLines(csv);
        assertEquals("split,id,d0,d1,prediction,label,radius,reference_radius,certified_at_0.0,"
                + "certified_at_0.1411764705882353", rows.getFirst());
        assertEquals(triplets + 1, rows.size(), "a row per triplet");
        long certifiedRows = rows.stream().skip(1).filter(r -> r.endsWith(",true")).count();
        assertEquals(report.at("/overall/certified/0.1411764705882353").asDouble() * triplets, certifiedRows, 1e-9,
                "the rows add up to the reported certified accuracy");

        assertEquals(2, run(with(new String[] {"certify", "--data_dir", data.toString(), "--eps", "-1"}, TINY)));
        assertTrue(error().contains("--eps expects radii >= 0"), error());
    }

    /** Unit embeddings' norm condition is named where it, not the margin, limits a radius. */
    @Test
    void certifySaysWhenTheNormConditionCutsTheRadii() {
        var cut = new TripletCertificate("a", 0.1, 0.3, 0, 0, 0.0, 0.25);
        var byMargin = new TripletCertificate("b", 0.1, 0.3, 0, 0, 0.25, 0.25);
        var wrong = new TripletCertificate("c", 0.3, 0.1, 1, 0, 0.0, 0.25);
        String note = CertifyCommand.normCap(List.of(cut, byMargin, wrong)).orElseThrow();
        assertTrue(note.startsWith("the radii of 1 of 2 correctly decided triplets (1 of them 0)"), note);
        assertTrue(note.contains("--embedding append-one"), note);
        assertTrue(CertifyCommand.normCap(List.of(byMargin, wrong)).isEmpty(), "no note where the margin decides");
    }

    @Test
    void attacksAsTheReferenceNamesThemAndNeverBeatTheCertificates() throws IOException {
        String[] common = with(new String[] {"--data_dir", data.toString(), "--eps", "0,0.05,0.5", "--embedding", "append-one"},
                TINY);
        assertEquals(0, run(with(new String[] {"--mode", "attack", "--attack", "PGD-L2", "--steps", "10", "--plots",
            work.resolve("attack-plots").toString()}, common)), error());
        JsonNode attacked = json();
        assertEquals("pgd-l2", attacked.get("attack").asText());
        assertEquals(attacked.at("/overall/natural").asDouble(), attacked.at("/overall/robust/0.0").asDouble(), 1e-12,
                "eps 0 changes nothing");
        assertTrue(Files.size(work.resolve("attack-plots/robust-accuracy.png")) > 1000);
        assertEquals(0, run(with(new String[] {"certify"}, common)), error());
        JsonNode certified = json();
        for (String eps : List.of("0.05", "0.5")) {
            assertTrue(certified.at("/overall/certified/" + eps).asDouble() <= attacked.at("/overall/robust/" + eps).asDouble()
                    && attacked.at("/overall/robust/" + eps).asDouble() <= attacked.at("/overall/natural").asDouble(),
                    "certified <= under attack <= natural at " + eps);
        }
        Path outcomes = work.resolve("attacked.csv");
        assertEquals(0, run(with(new String[] {"attack", "--attack", "PGD-L2", "--steps", "10", "--per-triplet",
            outcomes.toString()}, common)), error());
        List<String> rows = Files.readAllLines(outcomes);
        assertEquals("split,id,label,decided_as_people_at_0.0,decided_as_people_at_0.05,decided_as_people_at_0.5",
                rows.getFirst());
        int decided = json().at("/overall/triplets").asInt();
        assertEquals(decided + 1, rows.size(), "a row per triplet with a majority");
        assertEquals(json().at("/overall/robust/0.5").asDouble() * decided,
                rows.stream().skip(1).filter(r -> r.endsWith(",true")).count(), 1e-9, "the rows add up to the accuracy");
        assertEquals(0, run(with(new String[] {"attack", "--attack", "APGD-L2", "--steps", "10"}, common)), error());
        assertEquals("apgd-ce-l2", json().get("attack").asText());
        assertTrue(certified.at("/overall/certified/0.5").asDouble() <= json().at("/overall/robust/0.5").asDouble());
        assertEquals(0, run(with(new String[] {"attack", "--attack", "distance", "--steps", "5"}, common)), error());
        assertTrue(json().at("/distances/0.5/max").asDouble() <= 0.5 * 0.5 / 2 + 1e-6, "append-one obeys the bound");
        assertEquals(0, run(with(new String[] {"attack", "--attack", "AA-L2", "--steps", "5", "--queries", "50"}, common)), error());
        assertEquals("aa-l2", json().get("attack").asText());
        assertTrue(certified.at("/overall/certified/0.5").asDouble() <= json().at("/overall/robust/0.5").asDouble());
        Path adversarial = work.resolve("adversarial");
        assertEquals(0, run(with(new String[] {"attack", "--attack", "SQ-Linf", "--queries", "20", "--adversarial",
            adversarial.toString()}, common)), error());
        List<String> index = Files.readAllLines(adversarial.resolve("test_imagenet/adversarial.csv"));
        assertEquals(3 * json().at("/parts/test_imagenet/triplets").asInt() + 1, index.size(), "a row per decided triplet and eps");
        String[] first = index.stream().map(row -> row.split(",")).filter(row -> row[1].equals("0.05")).findFirst().orElseThrow();
        BufferedImage written = ImageIO.read(adversarial.resolve("test_imagenet").resolve(first[2]).toFile());
        BufferedImage original = ImageIO.read(Path.of(first[3]).toFile());
        int largest = 0;
        for (int y = 0; y < written.getHeight(); y++) {
            for (int x = 0; x < written.getWidth(); x++) {
                for (int shift = 0; shift < 24; shift += 8) {
                    largest = Math.max(largest, Math.abs((written.getRGB(x, y) >> shift & 255) - (original.getRGB(x, y) >> shift
                            & 255)));
                }
            }
        }
        assertTrue(largest > 0 && largest <= Math.round(0.05 * 255) + 1, "an l-infinity perturbation of 0.05: " + largest);
        assertEquals("square-linf", json().get("attack").asText());
    }

    @Test
    void retrievesTheReferenceOfTheCloserAlternative() throws IOException {
        assertEquals(0, run(with(new String[] {"retrieve", "--data_dir", data.toString(), "--split", "train", "--eps", "0,0.05",
            "--steps", "5", "--embedding", "append-one"}, TINY)), error());
        JsonNode result = json().get("result");
        int queries = result.get("queries").asInt();
        assertTrue(queries > 30 && result.get("indexed").asInt() == queries, "one query per reference: " + result);
        double at1 = result.at("/recall/1").asDouble();
        assertTrue(at1 <= result.at("/recall/5").asDouble() && result.at("/recall/5").asDouble() <= result.at("/recall/10")
                .asDouble(), result.toString());
        assertTrue(result.at("/certified/0.05").asDouble() <= result.at("/underAttack/0.05").asDouble()
                && result.at("/underAttack/0.05").asDouble() <= at1 + 1e-12, "certified <= attacked <= clean: " + result);
    }

    @Test
    void searchesAUsersOwnIndexWithItsOwnQueries() throws IOException {
        List<TwoAfcSample> triplets = NightDataset.load(data, "train").stream().filter(t -> t.target() != 0.5).limit(8).toList();
        Path index = work.resolve("index.safetensors");
        List<String> embed = new ArrayList<>(List.of("embed", "--output", index.toString(), "--embedding", "append-one"));
        triplets.forEach(t -> embed.add(t.reference().toString()));
        assertEquals(0, run(with(embed.toArray(String[]::new), TINY)), error());
        Path matches = work.resolve("matches.csv");
        List<String> rows = new ArrayList<>(List.of("query,match"));
        List<String> retrieve = new ArrayList<>(List.of("retrieve", "--index", index.toString(), "--matches", matches.toString(),
                "--k", "3", "--eps", "0,0.05", "--steps", "5", "--embedding", "append-one"));
        for (TwoAfcSample t : triplets) {
            Path query = t.humanChoice() == 1 ? t.right() : t.left();
            rows.add(query + "," + t.reference().getFileName());
            retrieve.add(query.toString());
        }
        Files.write(matches, rows);
        assertEquals(0, run(with(retrieve.toArray(String[]::new), TINY)), error());
        JsonNode report = json();
        assertEquals(8, report.at("/summary/queries").asInt());
        JsonNode first = report.at("/queries/0");
        assertEquals(3, first.get("nearest").size());
        String query = first.get("query").asText();
        String nearest = first.at("/nearest/0/image").asText();
        double listed = first.at("/nearest/0/distance").asDouble();
        assertTrue(listed <= first.at("/nearest/1/distance").asDouble(), "nearest first");
        assertEquals(first.get("rank").asInt() == 1, nearest.equals(first.get("match").asText()), "rank 1 iff the match is first");
        assertEquals(0, run(with(new String[] {"distance", query, nearest, "--embedding", "append-one"}, TINY)), error());
        assertEquals(json().get("distance").asDouble(), listed, 1e-5, "the listed distance is the metric's distance");
        JsonNode summary = report.get("summary");
        assertTrue(summary.at("/certified/0.05").asDouble() <= summary.at("/underAttack/0.05").asDouble()
                && summary.at("/underAttack/0.05").asDouble() <= summary.at("/recall/1").asDouble() + 1e-12, summary.toString());

        assertEquals(2, run(with(new String[] {"retrieve", "--index", index.toString(), query}, TINY)));
        assertTrue(error().contains("embedded by another model"), error());
        assertEquals(0, run(with(retrieve.subList(0, 1).toArray(String[]::new), with(new String[] {"--index", index.toString(),
            "--embedding", "append-one", query}, TINY))), error());
        assertEquals(false, json().at("/summary/matchesKnown").asBoolean());
        String[] otherWeights = TINY.clone();
        otherWeights[otherWeights.length - 1] = "4"; // the same configuration, another seed
        assertEquals(2, run(with(new String[] {"retrieve", "--index", index.toString(), "--embedding", "append-one", query},
                otherWeights)));
        assertTrue(error().contains("other weights"), error());
    }

    @Test
    void evaluatesBappsPerCategory() throws IOException {
        Path bapps = work.resolve("bapps");
        List<TwoAfcSample> triplets = NightDataset.load(data, "train").subList(0, 6);
        writeBapps(bapps.resolve("2afc/val/traditional"), triplets.subList(0, 4));
        writeBapps(bapps.resolve("2afc/val/cnn"), triplets.subList(4, 6));
        assertEquals(0, run(with(new String[] {"eval", "--dataset", "bapps", "--data_dir", bapps.toString()}, TINY)), error());
        JsonNode report = json();
        assertEquals(4, report.at("/parts/traditional/triplets").asInt());
        assertEquals(2, report.at("/parts/cnn/triplets").asInt());
        assertEquals(6, report.at("/overall/triplets").asInt());
        assertEquals("[\"traditional\",\"cnn\"]", report.get("overallOf").toString());
    }

    private static void writeBapps(Path folder, List<TwoAfcSample> triplets) throws IOException {
        for (String part : List.of("ref", "p0", "p1", "judge")) {
            Files.createDirectories(folder.resolve(part));
        }
        for (int i = 0; i < triplets.size(); i++) {
            TwoAfcSample triplet = triplets.get(i);
            String name = String.format("%06d", i);
            Files.copy(triplet.reference(), folder.resolve("ref/" + name + ".png"));
            Files.copy(triplet.left(), folder.resolve("p0/" + name + ".png"));
            Files.copy(triplet.right(), folder.resolve("p1/" + name + ".png"));
            Files.write(folder.resolve("judge/" + name + ".npy"), npyFloat((float) triplet.target()));
        }
    }

    /** A one-element little-endian float32 .npy file. */
    private static byte[] npyFloat(float value) {
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        ByteBuffer buffer = ByteBuffer.allocate(10 + header.length() + 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII)).putFloat(value);
        return buffer.array();
    }
}
