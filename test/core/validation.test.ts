import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { App, Fn, Lazy, Testing, Token } from "cdktf";
import {
  cidrsOverlap,
  describeValue,
  invalid,
  isUnresolved,
  parseIpv4Cidr,
  validateCidr,
  validateCidrList,
  validateInteger,
  validateMinMax,
  validateNonEmpty,
  validateOneOf,
  warn,
} from "../../lib/core/validation";
import { annotations, bareStack } from "../support/synth";

/** A string token (a Terraform function call), never a literal. */
const strToken = () => Fn.lower(Lazy.stringValue({ produce: () => "X" }));
const numToken = () => Lazy.numberValue({ produce: () => 3 });
const listToken = () => Token.asList(Lazy.anyValue({ produce: () => ["a"] }));

describe("validation helpers", () => {
  const stack = bareStack();
  const scope = new Construct(stack, "Thing");

  describe("isUnresolved", () => {
    it.each([
      ["undefined", undefined, false],
      ["null", null, false],
      ["a literal string", "abc", false],
      ["a literal number", 3, false],
      ["a literal list", ["a", "b"], false],
      ["Token.asString of a literal (stays a literal)", Token.asString("abc"), false],
      ["a string token", strToken(), true],
      ["a string embedding a token", `prefix-${strToken()}`, true],
      ["a number token", numToken(), true],
      ["a list token", listToken(), true],
      ["a literal list holding a token", ["a", strToken()], true],
      ["a lazy any value", Lazy.anyValue({ produce: () => ({ a: 1 }) }), true],
    ])("%s -> %s", (_label, value, expected) => {
      expect(isUnresolved(value)).toBe(expected);
    });
  });

  describe("describeValue", () => {
    it("renders values as JSON", () => {
      expect(describeValue("a")).toBe('"a"');
      expect(describeValue(3)).toBe("3");
      expect(describeValue(["a", 1])).toBe('["a",1]');
      expect(describeValue({ k: "v" })).toBe('{"k":"v"}');
      expect(describeValue(null)).toBe("null");
    });

    it("renders undefined as the word undefined", () => {
      expect(describeValue(undefined)).toBe("undefined");
    });

    it("falls back to String() for values JSON cannot render", () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      expect(describeValue(circular)).toBe("[object Object]");
      expect(describeValue(BigInt(5))).toBe("5");
    });
  });

  describe("invalid", () => {
    it("throws `<path>: invalid <prop> <value>: <allowed>`", () => {
      expect(() => invalid(scope, "size", 0, "must be positive")).toThrow(
        new Error("infra/Thing: invalid size 0: must be positive"),
      );
      expect(() => invalid(scope, "name", "Bad", "must be lowercase")).toThrow(
        new Error('infra/Thing: invalid name "Bad": must be lowercase'),
      );
    });
  });

  describe("warn", () => {
    it("records a warning annotation in the standard format and does not throw", () => {
      const s = bareStack(undefined, "warnings");
      const c = new Construct(s, "Thing");
      warn(c, "replicas", 1, "a single replica has no failover");
      expect(annotations(s, "warn")).toEqual(['warnings/Thing: replicas 1: a single replica has no failover']);
      expect(annotations(s, "error")).toEqual([]);
    });

    describe("printing at synth", () => {
      let written: string[];
      let spy: jest.SpyInstance;
      beforeEach(() => {
        written = [];
        delete process.env.STRATA_SILENCE_WARNINGS;
        spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => {
          written.push(String(chunk));
          return true;
        });
      });
      afterEach(() => {
        spy.mockRestore();
        process.env.STRATA_SILENCE_WARNINGS = "1";
      });

      it("prints each warning to stderr once, with the construct path, when the app synthesizes", () => {
        const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-warn-"));
        const app = new App({ outdir });
        const s = bareStack(app, "warnings");
        const c = new Construct(s, "Thing");
        warn(c, "replicas", 1, "a single replica has no failover");
        warn(c, "zones", 1, "one zone");
        expect(written).toEqual([]); // not at construction: at synth
        app.synth();
        expect(written).toEqual([
          "[strata] Warning: warnings/Thing: replicas 1: a single replica has no failover\n",
          "[strata] Warning: warnings/Thing: zones 1: one zone\n",
        ]);
        fs.rmSync(outdir, { recursive: true, force: true });
      });

      it("prints a warning that a validation records after the scope was validated", () => {
        const s = bareStack(undefined, "late");
        const c = new Construct(s, "Thing");
        warn(c, "first", 1, "early");
        c.node.addValidation({ validate: () => (warn(c, "second", 2, "late"), []) });
        Testing.synth(s, true);
        expect(written).toEqual(["[strata] Warning: late/Thing: first 1: early\n", "[strata] Warning: late/Thing: second 2: late\n"]);
      });

      it("prints, at app synth, a warning that a scope's own validation records as its first", () => {
        const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "strata-warn-"));
        const app = new App({ outdir });
        const s = bareStack(app, "own");
        const c = new Construct(s, "Thing");
        c.node.addValidation({ validate: () => (warn(c, "late", 1, "recorded while validating"), []) });
        app.synth();
        expect(written).toEqual(["[strata] Warning: own/Thing: late 1: recorded while validating\n"]);
        fs.rmSync(outdir, { recursive: true, force: true });
      });

      it("stays silent under STRATA_SILENCE_WARNINGS=1 and still records the warning", () => {
        process.env.STRATA_SILENCE_WARNINGS = "1";
        const s = bareStack(undefined, "quiet");
        const c = new Construct(s, "Thing");
        warn(c, "replicas", 1, "quiet");
        Testing.synth(s, true);
        expect(written).toEqual([]);
        expect(annotations(s, "warn")).toEqual(["quiet/Thing: replicas 1: quiet"]);
      });
    });
  });

  describe("validateInteger", () => {
    it.each([1, 5, 10])("accepts %p in [1, 10]", (v) => {
      expect(() => validateInteger(scope, "size", v, 1, 10)).not.toThrow();
    });

    it.each([
      [0, "infra/Thing: invalid size 0: must be an integer from 1 to 10"],
      [11, "infra/Thing: invalid size 11: must be an integer from 1 to 10"],
      [1.5, "infra/Thing: invalid size 1.5: must be an integer from 1 to 10"],
      [-1, "infra/Thing: invalid size -1: must be an integer from 1 to 10"],
    ])("rejects %p", (v, message) => {
      expect(() => validateInteger(scope, "size", v, 1, 10)).toThrow(new Error(message));
    });

    it("rejects NaN", () => {
      expect(() => validateInteger(scope, "size", NaN, 1, 10)).toThrow(
        /^infra\/Thing: invalid size .*: must be an integer from 1 to 10$/,
      );
    });

    it("without a max says `>= min`", () => {
      expect(() => validateInteger(scope, "count", -1, 0)).toThrow(
        new Error("infra/Thing: invalid count -1: must be an integer >= 0"),
      );
      expect(() => validateInteger(scope, "count", 1e9, 0)).not.toThrow();
      expect(() => validateInteger(scope, "count", Infinity, 0)).toThrow(/^infra\/Thing: invalid count .*: must be an integer >= 0$/);
    });

    it("skips undefined and tokens", () => {
      expect(() => validateInteger(scope, "size", undefined, 1, 10)).not.toThrow();
      expect(() => validateInteger(scope, "size", numToken(), 1, 10)).not.toThrow();
    });
  });

  describe("validateMinMax", () => {
    it("accepts min < max and min == max", () => {
      expect(() => validateMinMax(scope, "minNodes", 1, "maxNodes", 3)).not.toThrow();
      expect(() => validateMinMax(scope, "minNodes", 3, "maxNodes", 3)).not.toThrow();
    });

    it("rejects min > max, naming both props", () => {
      expect(() => validateMinMax(scope, "minNodes", 4, "maxNodes", 3)).toThrow(
        new Error("infra/Thing: invalid minNodes 4: must be less than or equal to maxNodes (3)"),
      );
    });

    it("skips undefined and tokens on either side", () => {
      expect(() => validateMinMax(scope, "minNodes", undefined, "maxNodes", 3)).not.toThrow();
      expect(() => validateMinMax(scope, "minNodes", 4, "maxNodes", undefined)).not.toThrow();
      expect(() => validateMinMax(scope, "minNodes", numToken(), "maxNodes", 0)).not.toThrow();
      expect(() => validateMinMax(scope, "minNodes", 9, "maxNodes", numToken())).not.toThrow();
    });
  });

  describe("validateOneOf", () => {
    const allowed = ["a", "b"] as const;
    it("accepts allowed values, undefined and tokens", () => {
      expect(() => validateOneOf(scope, "mode", "a", allowed)).not.toThrow();
      expect(() => validateOneOf(scope, "mode", undefined, allowed)).not.toThrow();
      expect(() => validateOneOf(scope, "mode", strToken(), allowed)).not.toThrow();
    });

    it("rejects other values, listing what is allowed", () => {
      expect(() => validateOneOf(scope, "mode", "c", allowed)).toThrow(
        new Error('infra/Thing: invalid mode "c": must be one of "a", "b"'),
      );
      expect(() => validateOneOf(scope, "mode", "A", allowed)).toThrow(/invalid mode "A"/);
    });
  });

  describe("validateNonEmpty", () => {
    it("accepts non-empty strings and tokens", () => {
      expect(() => validateNonEmpty(scope, "owner", "x")).not.toThrow();
      expect(() => validateNonEmpty(scope, "owner", strToken())).not.toThrow();
    });

    it("rejects undefined as required", () => {
      expect(() => validateNonEmpty(scope, "owner", undefined)).toThrow(
        new Error("infra/Thing: invalid owner undefined: is required and must be a non-empty string"),
      );
    });

    it.each(["", " ", "\t\n"])("rejects blank %p", (v) => {
      expect(() => validateNonEmpty(scope, "owner", v)).toThrow(
        new Error(`infra/Thing: invalid owner ${JSON.stringify(v)}: must be a non-empty string`),
      );
    });
  });

  describe("parseIpv4Cidr", () => {
    it.each([
      ["10.0.0.0/16", 0x0a000000, 16],
      ["0.0.0.0/0", 0, 0],
      ["255.255.255.255/32", 0xffffffff, 32],
      ["192.168.1.0/24", 0xc0a80100, 24],
      ["172.16.0.0/12", 0xac100000, 12],
      ["128.0.0.0/1", 0x80000000, 1],
      ["10.0.0.7/32", 0x0a000007, 32],
    ])("parses %s", (cidr, network, prefix) => {
      expect(parseIpv4Cidr(cidr)).toEqual({ network, prefix });
    });

    it("returns the network as an unsigned 32-bit number", () => {
      expect(parseIpv4Cidr("200.1.2.0/24")!.network).toBeGreaterThan(0);
    });

    it.each([
      ["host bits set", "10.0.0.1/16"],
      ["host bits set in the last bit", "10.0.0.1/31"],
      ["host bits set with /0", "10.0.0.0/0"],
      ["host bits set with /1", "192.0.0.0/1"],
      ["prefix 33", "10.0.0.0/33"],
      ["prefix 99", "10.0.0.0/99"],
      ["three-digit prefix", "10.0.0.0/100"],
      ["octet 256", "256.0.0.0/8"],
      ["octet 256 in the last place", "10.0.0.256/32"],
      ["octet 999", "10.999.0.0/16"],
      ["no prefix", "10.0.0.0"],
      ["empty prefix", "10.0.0.0/"],
      ["three octets", "10.0.0/8"],
      ["five octets", "10.0.0.0.0/8"],
      ["a negative prefix", "10.0.0.0/-1"],
      ["surrounding whitespace", " 10.0.0.0/8"],
      ["trailing whitespace", "10.0.0.0/8 "],
      ["IPv6", "fd00::/8"],
      ["empty string", ""],
      ["a word", "anywhere"],
    ])("rejects %s (%s)", (_label, cidr) => {
      expect(parseIpv4Cidr(cidr)).toBeUndefined();
    });

    it.each([
      ["a leading zero in an octet", "010.0.0.0/8"],
      ["a leading zero in the prefix", "10.0.0.0/08"],
    ])("rejects non-canonical %s (%s)", (_label, cidr) => {
      expect(parseIpv4Cidr(cidr)).toBeUndefined();
    });
  });

  describe("validateCidr", () => {
    it("accepts canonical CIDRs within the prefix range", () => {
      expect(() => validateCidr(scope, "cidr", "10.0.0.0/16", 16, 20)).not.toThrow();
      expect(() => validateCidr(scope, "cidr", "10.0.0.0/20", 16, 20)).not.toThrow();
      expect(() => validateCidr(scope, "cidr", "0.0.0.0/0")).not.toThrow();
      expect(() => validateCidr(scope, "cidr", "10.1.2.3/32")).not.toThrow();
    });

    it("rejects malformed CIDRs and CIDRs with host bits", () => {
      const message = (v: string) =>
        `infra/Thing: invalid cidr ${JSON.stringify(v)}: must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set`;
      expect(() => validateCidr(scope, "cidr", "10.0.0.1/16")).toThrow(new Error(message("10.0.0.1/16")));
      expect(() => validateCidr(scope, "cidr", "10.0.0.0/33")).toThrow(new Error(message("10.0.0.0/33")));
      expect(() => validateCidr(scope, "cidr", "256.0.0.0/8")).toThrow(new Error(message("256.0.0.0/8")));
      expect(() => validateCidr(scope, "cidr", "10.0.0.0")).toThrow(new Error(message("10.0.0.0")));
    });

    it("rejects prefixes outside [minPrefix, maxPrefix]", () => {
      expect(() => validateCidr(scope, "cidr", "10.0.0.0/8", 16, 20)).toThrow(
        new Error('infra/Thing: invalid cidr "10.0.0.0/8": must have a prefix length from /16 to /20'),
      );
      expect(() => validateCidr(scope, "cidr", "10.0.0.0/24", 16, 20)).toThrow(
        new Error('infra/Thing: invalid cidr "10.0.0.0/24": must have a prefix length from /16 to /20'),
      );
    });

    it("skips undefined and tokens", () => {
      expect(() => validateCidr(scope, "cidr", undefined, 16, 20)).not.toThrow();
      expect(() => validateCidr(scope, "cidr", strToken(), 16, 20)).not.toThrow();
    });
  });

  describe("cidrsOverlap", () => {
    it.each([
      ["10.0.0.0/16", "10.0.0.0/16", true],
      ["10.0.0.0/8", "10.1.0.0/16", true],
      ["10.1.0.0/16", "10.0.0.0/8", true],
      ["10.0.0.0/16", "10.0.255.0/24", true],
      ["0.0.0.0/0", "192.168.0.0/16", true],
      ["10.0.0.0/32", "10.0.0.0/24", true],
      ["10.0.0.0/16", "10.1.0.0/16", false],
      ["10.0.0.0/24", "10.0.1.0/24", false],
      ["192.168.0.0/16", "172.16.0.0/12", false],
      ["10.0.0.0/32", "10.0.0.1/32", false],
      ["128.0.0.0/1", "0.0.0.0/1", false],
      ["255.255.255.0/24", "255.255.254.0/24", false],
    ])("%s vs %s -> %s", (a, b, expected) => {
      expect(cidrsOverlap(a, b)).toBe(expected);
    });

    it("is false when either side does not parse", () => {
      expect(cidrsOverlap("10.0.0.1/16", "10.0.0.0/16")).toBe(false);
      expect(cidrsOverlap("10.0.0.0/16", "garbage")).toBe(false);
    });
  });

  describe("validateCidrList", () => {
    it("accepts a list of valid CIDRs", () => {
      expect(() =>
        validateCidrList(scope, "cidrs", ["10.0.0.0/8", "203.0.113.7/32"], { allowAnywhere: false }),
      ).not.toThrow();
    });

    it("names the index of a bad entry", () => {
      expect(() => validateCidrList(scope, "cidrs", ["10.0.0.0/8", "10.0.0.1/8"], { allowAnywhere: false })).toThrow(
        new Error(
          'infra/Thing: invalid cidrs[1] "10.0.0.1/8": must be an IPv4 CIDR block such as 10.0.0.0/16, with no host bits set',
        ),
      );
    });

    it("rejects 0.0.0.0/0 unless allowed, with the default or a custom hint", () => {
      expect(() => validateCidrList(scope, "cidrs", ["0.0.0.0/0"], { allowAnywhere: false })).toThrow(
        new Error('infra/Thing: invalid cidrs[0] "0.0.0.0/0": must not be 0.0.0.0/0 (the whole internet)'),
      );
      expect(() =>
        validateCidrList(scope, "cidrs", ["10.0.0.0/8", "0.0.0.0/0"], { allowAnywhere: false, anywhereHint: "list your VPN" }),
      ).toThrow(new Error('infra/Thing: invalid cidrs[1] "0.0.0.0/0": list your VPN'));
      expect(() => validateCidrList(scope, "cidrs", ["0.0.0.0/0"], { allowAnywhere: true })).not.toThrow();
    });

    it("skips undefined, list tokens and token entries", () => {
      expect(() => validateCidrList(scope, "cidrs", undefined, { allowAnywhere: false })).not.toThrow();
      expect(() => validateCidrList(scope, "cidrs", listToken(), { allowAnywhere: false })).not.toThrow();
      expect(() => validateCidrList(scope, "cidrs", [strToken(), "10.0.0.0/8"], { allowAnywhere: false })).not.toThrow();
    });

    it("accepts an empty list (callers decide whether empty is allowed)", () => {
      expect(() => validateCidrList(scope, "cidrs", [], { allowAnywhere: false })).not.toThrow();
    });
  });
});
