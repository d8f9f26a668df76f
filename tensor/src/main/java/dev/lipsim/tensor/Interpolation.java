package dev.lipsim.tensor;

/** Resampling kernels for {@link Tensor#interpolate}. */
public enum Interpolation {
    NEAREST,
    BILINEAR,
    BICUBIC
}
