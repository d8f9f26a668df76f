package dev.lipsim.train;

import dev.lipsim.data.ImageBatches;
import dev.lipsim.data.ParallelLoader;
import dev.lipsim.data.TwoAfcSample;
import dev.lipsim.distributed.Replicas;
import java.util.List;

/**
 * 2AFC triplets for fine-tuning, reshuffled every epoch by a seed derived from the run's seed
 * and the epoch, decoded on worker threads; an unreadable image stops the run with its name.
 */
public final class TwoAfcTrainingData implements TrainingData<TwoAfcSample> {

    private final List<TwoAfcSample> samples;
    private final int imageSize;
    private final int batchSize;
    private final long seed;
    private final int decodeThreads;
    private final Replicas replicas;

    /** {@code batchSize} triplets per replica and step. */
    public TwoAfcTrainingData(List<TwoAfcSample> samples, int imageSize, int batchSize, long seed, int decodeThreads,
            Replicas replicas) {
        if (samples.isEmpty() || batchSize < 1 || decodeThreads < 1) {
            throw new IllegalArgumentException("need triplets, a batch size >= 1 and decoding threads >= 1, got "
                    + samples.size() + ", " + batchSize + ", " + decodeThreads);
        }
        this.samples = List.copyOf(samples);
        this.imageSize = imageSize;
        this.batchSize = batchSize;
        this.seed = seed;
        this.decodeThreads = decodeThreads;
        this.replicas = replicas;
    }

    @Override
    public long samples() {
        return samples.size();
    }

    @Override
    public int batchSize() {
        return batchSize * replicas.worldSize();
    }

    /** The order of the samples in {@code epoch}. */
    List<TwoAfcSample> order(long epoch) {
        return ParallelLoader.shuffled(samples, seed ^ (epoch * 0x9E3779B97F4A7C15L));
    }

    @Override
    public Pass<ImageBatches.Batch<TwoAfcSample>> epoch(long epoch, long firstBatch) {
        List<TwoAfcSample> rest = order(epoch).subList((int) Math.min(samples.size(), firstBatch * batchSize()),
                samples.size());
        var batches = new ImageBatches<>(TrainingData.shard(rest, batchSize, replicas), s -> List.of(s.reference(), s.left(),
                s.right()), imageSize, batchSize, decodeThreads, ParallelLoader.OnError.FAIL);
        return Pass.over(batches);
    }
}
