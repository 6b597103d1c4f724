import { Testing } from "cdktf";

Testing.setupJest();

// Warnings are printed to stderr at synth (lib/core/validation.ts); the suite synthesizes hundreds of apps
// and asserts on the recorded warnings instead. The test of the printing itself unsets this.
process.env.STRATA_SILENCE_WARNINGS = "1";
