/**
 * A scanner for the rules of pure modules: no Node built-in imports, no package imports (the
 * n8n package ships without runtime dependencies), no `require`, and none of the globals n8n's
 * community-node rules forbid (`process`, `console`, timers, `Buffer`). It reads the TypeScript
 * syntax tree, so comments and strings do not count.
 */

import { builtinModules } from 'node:module';

import ts from 'typescript';

/** Globals a pure module must not touch; time and sleep are injected instead. */
export const FORBIDDEN_GLOBALS: ReadonlySet<string> = new Set([
  'process',
  'console',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'Buffer',
  'require',
  '__dirname',
  '__filename',
  'global',
]);

const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'window', 'self']);

export interface Violation {
  line: number;
  rule: 'node-import' | 'package-import' | 'forbidden-global' | 'dynamic-import';
  text: string;
}

function isBuiltinModule(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] ?? specifier);
}

/** Tells whether an identifier is a property key or member name rather than a reference to a global. */
function isPropertyName(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return !(ts.isIdentifier(parent.expression) && GLOBAL_OBJECTS.has(parent.expression.text));
  }
  return (
    ((ts.isPropertyAssignment(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessorDeclaration(parent) ||
      ts.isSetAccessorDeclaration(parent) ||
      ts.isEnumMember(parent)) &&
      parent.name === node) ||
    (ts.isImportSpecifier(parent) && parent.propertyName === node) ||
    (ts.isExportSpecifier(parent) && parent.propertyName === node) ||
    ts.isQualifiedName(parent)
  );
}

/** Lists every rule a module's source breaks, with its line. */
export function findPurityViolations(fileName: string, source: string): Violation[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const violations: Violation[] = [];
  const report = (node: ts.Node, rule: Violation['rule'], text: string) => {
    violations.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, rule, text });
  };

  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      const specifier = (node.moduleSpecifier as ts.StringLiteral).text;
      if (isBuiltinModule(specifier)) {
        report(node, 'node-import', specifier);
      } else if (!specifier.startsWith('.')) {
        report(node, 'package-import', specifier);
      }
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      report(node, 'node-import', node.moduleReference.expression.getText(file));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      report(node, 'dynamic-import', node.getText(file));
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      if (isBuiltinModule(node.argument.literal.text)) {
        report(node, 'node-import', node.argument.literal.text);
      }
    } else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text) && !isPropertyName(node)) {
      report(node, 'forbidden-global', node.text);
    } else if (
      ts.isElementAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      GLOBAL_OBJECTS.has(node.expression.text) &&
      ts.isStringLiteral(node.argumentExpression) &&
      FORBIDDEN_GLOBALS.has(node.argumentExpression.text)
    ) {
      report(node, 'forbidden-global', node.argumentExpression.text);
    }

    ts.forEachChild(node, visit);
  };

  visit(file);
  return violations;
}
