package dev.lipsim.image;

import dev.lipsim.tensor.Tensor;

/**
 * Hue rotation through HSV, pixel by pixel in float32 with torchvision's formulas
 * ({@code _rgb2hsv}, {@code _hsv2rgb}). Data augmentation only: not differentiable.
 */
final class Hsv {

    private Hsv() {}

    static Tensor shiftHue(Tensor chw, double shift) {
        Transforms.requireImage(chw);
        int height = (int) chw.size(1);
        int width = (int) chw.size(2);
        int plane = height * width;
        float[] rgb = chw.toFloatArray();
        float[] out = new float[rgb.length];
        float[] hsv = new float[3];
        float[] pixel = new float[3];
        for (int i = 0; i < plane; i++) {
            toHsv(rgb[i], rgb[plane + i], rgb[2 * plane + i], hsv);
            float h = (float) ((hsv[0] + shift) % 1.0);
            if (h < 0) {
                h += 1;
            }
            toRgb(h, hsv[1], hsv[2], pixel);
            out[i] = pixel[0];
            out[plane + i] = pixel[1];
            out[2 * plane + i] = pixel[2];
        }
        return Tensor.of(out, 3, height, width).to(chw.dtype());
    }

    static void toHsv(float r, float g, float b, float[] hsv) {
        float max = Math.max(r, Math.max(g, b));
        float min = Math.min(r, Math.min(g, b));
        boolean equal = max == min;
        float chroma = max - min;
        float s = chroma / (equal ? 1 : max);
        float divisor = equal ? 1 : chroma;
        float rc = (max - r) / divisor;
        float gc = (max - g) / divisor;
        float bc = (max - b) / divisor;
        float h;
        if (max == r) {
            h = bc - gc;
        } else if (max == g) {
            h = 2.0f + rc - bc;
        } else {
            h = 4.0f + gc - rc;
        }
        hsv[0] = (h / 6.0f + 1.0f) % 1.0f;
        hsv[1] = s;
        hsv[2] = max;
    }

    static void toRgb(float h, float s, float v, float[] rgb) {
        float scaled = h * 6.0f;
        float sector = (float) Math.floor(scaled);
        float f = scaled - sector;
        int i = Math.floorMod((int) sector, 6);
        float p = clamp(v * (1.0f - s));
        float q = clamp(v * (1.0f - s * f));
        float t = clamp(v * (1.0f - s * (1.0f - f)));
        switch (i) {
            case 0 -> set(rgb, v, t, p);
            case 1 -> set(rgb, q, v, p);
            case 2 -> set(rgb, p, v, t);
            case 3 -> set(rgb, p, q, v);
            case 4 -> set(rgb, t, p, v);
            default -> set(rgb, v, p, q);
        }
    }

    private static float clamp(float x) {
        return Math.max(0f, Math.min(1f, x));
    }

    private static void set(float[] rgb, float r, float g, float b) {
        rgb[0] = r;
        rgb[1] = g;
        rgb[2] = b;
    }
}
