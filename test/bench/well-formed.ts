// A small XML well-formedness check for the SVGs we write: balanced tags, quoted
// attributes, only the five predefined entities, one root element named `svg`.

export function checkSvg(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const re = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos);)/g;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(xml))) {
    if (m[0] === '<') { problems.push(`stray '<' at ${m.index}`); continue; }
    if (m[0] === '&') { problems.push(`bare '&' at ${m.index}`); continue; }
    const text = xml.slice(last, m.index);
    if (stack.length === 0 && text.trim()) problems.push(`text outside the root: ${text.trim().slice(0, 40)}`);
    last = m.index + m[0].length;
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else {
      if (stack.length === 0) { roots++; if (name !== 'svg') problems.push(`root is <${name}>`); }
      if (!selfClose) stack.push(name!);
    }
  }
  if (xml.slice(last).trim()) problems.push('text after the root');
  if (stack.length) problems.push(`unclosed: ${stack.join(' ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
