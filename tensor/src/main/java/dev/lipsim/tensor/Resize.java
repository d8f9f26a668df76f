package dev.lipsim.tensor;

import dev.lipsim.bindings.AtenOp;

/** Spatial resizing of NCHW tensors. */
final class Resize {

    private Resize() {}

    static Tensor interpolate(Tensor input, long height, long width, Interpolation mode, boolean alignCorners,
            boolean antialias) {
        if (input.dim() != 4) {
            throw new IllegalArgumentException("interpolate needs an NCHW tensor, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("output size must be positive, got " + height + " x " + width);
        }
        if (mode == Interpolation.NEAREST) {
            if (antialias || alignCorners) {
                throw new IllegalArgumentException("nearest interpolation takes neither antialias nor alignCorners");
            }
            return Tensor.wrap(Aten.UPSAMPLE_NEAREST2D.call().tensor(input.handle()).intList(height, width).none().none()
                    .callTensor());
        }
        AtenOp op = switch (mode) {
            case BILINEAR -> antialias ? Aten.UPSAMPLE_BILINEAR2D_AA : Aten.UPSAMPLE_BILINEAR2D;
            case BICUBIC -> antialias ? Aten.UPSAMPLE_BICUBIC2D_AA : Aten.UPSAMPLE_BICUBIC2D;
            case NEAREST -> throw new IllegalStateException("handled above");
        };
        return Tensor.wrap(op.call().tensor(input.handle()).intList(height, width).bool(alignCorners).none().none()
                .callTensor());
    }
}
