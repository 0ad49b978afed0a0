// The TypeScript compiler, driven in memory for typescript_interface. A generated check file
//   import type { X } from './iface.ts';
//   const value: X =
//   <the output JSON, verbatim>
//   ;
// is compiled (strict, noEmit) through a CompilerHost that serves the check file from memory, so nothing is ever
// written next to the user's files, and the diagnostics are mapped back to lines of the output. `typescript` is
// imported lazily: it is large and only this contract needs it.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type * as TS from 'typescript';
import { ContractConfigError } from './failure.js';

type TypeScript = typeof TS;

let tsModule: Promise<TypeScript> | undefined;
export function loadTypeScript(): Promise<TypeScript> {
  tsModule ??= import('typescript').then((m) => (m as unknown as { default?: TypeScript }).default ?? m);
  return tsModule;
}

/** Exported interface, type alias, class and enum names of a TypeScript source, in order. */
export function exportedTypeNames(ts: TypeScript, fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const names: string[] = [];
  const exported = (node: TS.Node) =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of sf.statements) {
    if (
      (ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) ||
        ts.isClassDeclaration(st) ||
        ts.isEnumDeclaration(st)) &&
      st.name &&
      exported(st)
    ) {
      if (!names.includes(st.name.text)) names.push(st.name.text);
    } else if (
      ts.isExportDeclaration(st) &&
      !st.moduleSpecifier &&
      st.exportClause &&
      ts.isNamedExports(st.exportClause)
    ) {
      for (const el of st.exportClause.elements) if (!names.includes(el.name.text)) names.push(el.name.text);
    }
  }
  return names;
}

export interface InterfaceFile {
  file: string;
  text: string;
  /** The type the output is checked against. */
  name: string;
}

/** Reads the interface file and picks the type: the one named, else the only exported one. */
export async function loadInterfaceFile(
  file: string,
  shownAs: string,
  wanted: string | undefined,
): Promise<InterfaceFile> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new ContractConfigError(`schema_path '${shownAs}' not found (looked for ${file})`);
  if (!/\.(d\.)?[mc]?tsx?$/.test(file))
    throw new ContractConfigError(`schema_path '${shownAs}' is not a TypeScript file (.ts)`);
  const text = await readFile(file, 'utf8');
  const ts = await loadTypeScript();
  const names = exportedTypeNames(ts, file, text);
  if (wanted !== undefined) {
    if (!names.includes(wanted)) {
      throw new ContractConfigError(
        `'${shownAs}' does not export a type named '${wanted}'${names.length ? ` (it exports: ${names.join(', ')})` : ''}`,
      );
    }
    return { file, text, name: wanted };
  }
  if (names.length === 1) return { file, text, name: names[0] as string };
  throw new ContractConfigError(
    names.length === 0
      ? `'${shownAs}' exports no interface or type`
      : `'${shownAs}' exports several types (${names.join(', ')}): name one with 'interface'`,
  );
}

export interface MappedDiagnostic {
  /** 1-based line and column in the checked output; line 0 means "the value as a whole". */
  line: number;
  column: number;
  message: string;
}

/** Lib files never change while the process runs; parsing them dominates the cost of a check, so keep them. */
const libCache = new Map<string, TS.SourceFile>();
const CHECK_PREFIX_LINES = 2;

function specifierFor(file: string): string {
  const base = path.basename(file);
  // A declaration file is imported by its stem; a .ts/.mts/.cts file by its own name (allowImportingTsExtensions).
  return `./${base.endsWith('.d.ts') ? base.slice(0, -'.d.ts'.length) : base}`;
}

/** Type-checks `jsonText` (already known to be valid JSON) against the interface. */
export async function checkJsonAgainstInterface(iface: InterfaceFile, jsonText: string): Promise<MappedDiagnostic[]> {
  const ts = await loadTypeScript();
  const dir = path.dirname(iface.file);
  // A name no user file has; it lives only in this host's memory.
  const checkPath = path.join(dir, `__wave_contract_check_${process.pid}__.ts`);
  const checkText = `import type { ${iface.name} } from ${JSON.stringify(specifierFor(iface.file))};\nconst value: ${iface.name} =\n${jsonText}\n;\nexport {};\n`;
  const options: TS.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    lib: ['lib.es2022.d.ts'],
    // No ambient @types from wherever the interface file happens to live.
    types: [],
    noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options, true);
  const libDir = path.normalize(path.dirname(host.getDefaultLibFileName(options)));
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (path.normalize(fileName) === checkPath) return ts.createSourceFile(fileName, checkText, languageVersion, true);
    const isLib = path.normalize(path.dirname(fileName)) === libDir;
    const cached = isLib ? libCache.get(fileName) : undefined;
    if (cached) return cached;
    const sf = readSource(fileName, languageVersion, onError, shouldCreate);
    if (isLib && sf) libCache.set(fileName, sf);
    return sf;
  };
  const fileExists = host.fileExists.bind(host);
  const readFileFromDisk = host.readFile.bind(host);
  host.fileExists = (f) => path.normalize(f) === checkPath || fileExists(f);
  host.readFile = (f) => (path.normalize(f) === checkPath ? checkText : readFileFromDisk(f));
  host.writeFile = () => {
    /* noEmit: nothing is ever written */
  };

  const program = ts.createProgram({ rootNames: [checkPath], options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const mapped: MappedDiagnostic[] = [];
  const elsewhere: string[] = [];
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file || d.start === undefined) {
      elsewhere.push(message);
      continue;
    }
    const { line, character } = ts.getLineAndCharacterOfPosition(d.file, d.start);
    if (path.normalize(d.file.fileName) !== checkPath || line === 0) {
      // The interface file (or the import of it) is broken: the pipeline's problem, not the output's.
      const where =
        path.normalize(d.file.fileName) === checkPath
          ? path.basename(iface.file)
          : `${path.basename(d.file.fileName)}:${line + 1}:${character + 1}`;
      elsewhere.push(`${where}: ${message}`);
    } else if (line < CHECK_PREFIX_LINES) {
      mapped.push({ line: 0, column: 0, message });
    } else {
      mapped.push({ line: line - CHECK_PREFIX_LINES + 1, column: character + 1, message });
    }
  }
  if (elsewhere.length > 0) {
    throw new ContractConfigError(
      `the interface '${iface.name}' in ${path.basename(iface.file)} does not compile: ${elsewhere.join('; ')}`,
    );
  }
  return mapped;
}
