package org.serfiq;

/**
 * One ISO/IEC 29794-5 quality component of a face ({@link Assessment#components()}). The id,
 * name and unit come from the native library, so a new component needs no change here.
 *
 * @param id its stable id (the C API's component id)
 * @param name its ISO/IEC 29794-5 name, e.g. "InterEyeDistance"
 * @param unit the unit of {@code raw}, e.g. "px", "degree"
 * @param raw the measured value in {@code unit}; NaN when not assessed
 * @param value 0..100, higher is better; NaN when not assessed
 */
public record Component(int id, String name, String unit, float raw, float value) {
    /** Whether serfiq measures this component (the others are NaN). */
    public boolean assessed() {
        return !Float.isNaN(value);
    }
}
