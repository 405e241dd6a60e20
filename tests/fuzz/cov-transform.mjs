// AssemblyScript compiler transform (asc --transform) for the fuzz build: inserts a coverage
// probe `__fuzz_cov(id)` (tests/wasm/fuzz_core.ts) at every function entry, both arms of
// every `if` (an empty `else` is added), every loop body, switch case and ternary arm of the
// core's own sources (assembly/), and writes the probe table (id → file:line kind) to
// $FUZZ_COV_TABLE (default build/test/fuzz_core.cov.json). Branch coverage at source level.
import { writeFileSync } from "node:fs";
import { Transform } from "assemblyscript/transform";
import * as as from "assemblyscript";

const MAX_PROBES = 1 << 16;

class CoverageTransform extends Transform {
  afterParse(parser) {
    const probes = [];
    for (const source of parser.sources) {
      if (!source.normalizedPath.startsWith("assembly/")) continue;
      const lineStarts = [0];
      for (let i = 0; i < source.text.length; i++) if (source.text.charCodeAt(i) === 10) lineStarts.push(i + 1);
      const lineOf = (pos) => {
        let lo = 0;
        let hi = lineStarts.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (lineStarts[mid] <= pos) lo = mid;
          else hi = mid - 1;
        }
        return lo + 1;
      };
      const probe = (range, kind) => {
        const id = probes.length;
        if (id >= MAX_PROBES) throw new Error(`cov-transform: more than ${MAX_PROBES} probes`);
        probes.push(`${source.normalizedPath}:${lineOf(range.start)} ${kind}`);
        const callee = as.Node.createIdentifierExpression("__fuzz_cov", range);
        // i64_new: the compiler's global i64 constructor (its JS build represents i64 as Long)
        const arg = as.Node.createIntegerLiteralExpression(globalThis.i64_new(id, 0), range);
        return as.Node.createCallExpression(callee, null, [arg], range);
      };
      const stmt = (range, kind) => as.Node.createExpressionStatement(probe(range, kind));
      const prefixed = (s, kind) => {
        const inner = walkStmt(s);
        return as.Node.createBlockStatement([stmt(s.range, kind), inner], s.range);
      };
      const walkExpr = (e) => {
        if (e === null || e === undefined) return e;
        if (e instanceof as.TernaryExpression) {
          e.condition = walkExpr(e.condition);
          e.ifThen = as.Node.createCommaExpression([probe(e.ifThen.range, "?T"), walkExpr(e.ifThen)], e.ifThen.range);
          e.ifElse = as.Node.createCommaExpression([probe(e.ifElse.range, "?F"), walkExpr(e.ifElse)], e.ifElse.range);
          return e;
        }
        if (e instanceof as.ParenthesizedExpression) e.expression = walkExpr(e.expression);
        else if (e instanceof as.BinaryExpression) {
          e.left = walkExpr(e.left);
          e.right = walkExpr(e.right);
        } else if (e instanceof as.UnaryPrefixExpression || e instanceof as.UnaryPostfixExpression) e.operand = walkExpr(e.operand);
        else if (e instanceof as.CallExpression) e.args = e.args.map(walkExpr);
        else if (e instanceof as.AssertionExpression) e.expression = walkExpr(e.expression);
        else if (e instanceof as.CommaExpression) e.expressions = e.expressions.map(walkExpr);
        return e;
      };
      const walkStmt = (s) => {
        if (s === null || s === undefined) return s;
        if (s instanceof as.BlockStatement) s.statements = s.statements.map(walkStmt);
        else if (s instanceof as.IfStatement) {
          s.condition = walkExpr(s.condition);
          s.ifTrue = prefixed(s.ifTrue, "if-T");
          s.ifFalse = s.ifFalse === null
            ? as.Node.createBlockStatement([stmt(s.range.atEnd, "if-F")], s.range.atEnd)
            : prefixed(s.ifFalse, "if-F");
        } else if (s instanceof as.WhileStatement) {
          s.condition = walkExpr(s.condition);
          s.body = prefixed(s.body, "loop");
        } else if (s instanceof as.DoStatement) {
          s.body = prefixed(s.body, "loop");
        } else if (s instanceof as.ForStatement) {
          s.body = prefixed(s.body, "loop");
        } else if (s instanceof as.ForOfStatement) {
          s.body = prefixed(s.body, "loop");
        } else if (s instanceof as.SwitchStatement) {
          s.condition = walkExpr(s.condition);
          for (const c of s.cases) c.statements = [stmt(c.range, "case"), ...c.statements.map(walkStmt)];
        } else if (s instanceof as.ReturnStatement) s.value = walkExpr(s.value);
        else if (s instanceof as.ExpressionStatement) s.expression = walkExpr(s.expression);
        else if (s instanceof as.VariableStatement) {
          for (const d of s.declarations) d.initializer = walkExpr(d.initializer);
        }
        return s;
      };
      const walkFunction = (f) => {
        if (f.body === null || !(f.body instanceof as.BlockStatement)) return;
        walkStmt(f.body);
        f.body.statements.unshift(stmt(f.range, `fn ${f.name.text}`));
      };
      const walkDecls = (list) => {
        for (const d of list) {
          if (d instanceof as.FunctionDeclaration) walkFunction(d);
          else if (d instanceof as.ClassDeclaration) walkDecls(d.members);
          else if (d instanceof as.NamespaceDeclaration) walkDecls(d.members);
          else if (d instanceof as.ExportDefaultStatement && d.declaration instanceof as.FunctionDeclaration) walkFunction(d.declaration);
        }
      };
      walkDecls(source.statements);
    }
    const out = process.env.FUZZ_COV_TABLE ?? "build/test/fuzz_core.cov.json";
    writeFileSync(out, JSON.stringify(probes));
    this.log(`cov-transform: ${probes.length} probes → ${out}`);
  }
}

export default CoverageTransform;
