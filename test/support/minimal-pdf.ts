/**
 * Writes a small valid PDF by hand, as knowledge-upload tests need one: pages of paragraphs of text lines in the
 * standard Helvetica font (no embedded font, no compression), with correct cross-reference offsets. A page given no
 * paragraphs has an empty content stream: what a scanned page without a text layer looks like to a text extractor.
 */

/** pages -> paragraphs -> lines. Characters outside Latin-1 are not supported (Helvetica's WinAnsi encoding). */
export function minimalPdf(pages: readonly (readonly (readonly string[])[])[]): Buffer {
  const objects: string[] = [];
  const fontId = 3 + pages.length * 2;
  const kids: string[] = [];
  pages.forEach((paragraphs, index) => {
    const pageId = 3 + index * 2;
    const contentId = pageId + 1;
    kids.push(`${pageId} 0 R`);
    // 14-point leading within a paragraph, a 28-point gap between paragraphs.
    const operators = paragraphs.length === 0 ? [] : ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"];
    paragraphs.forEach((lines, paragraph) => {
      if (paragraph > 0) operators.push("0 -28 Td");
      lines.forEach((line, number) => {
        if (number > 0) operators.push("T*");
        operators.push(`(${line.replace(/[\\()]/g, (character) => `\\${character}`)}) Tj`);
      });
    });
    if (paragraphs.length > 0) operators.push("ET");
    const stream = operators.join("\n");
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${contentId} 0 R >>`;
    objects[contentId] = `<< /Length ${Buffer.byteLength(stream, "latin1")} >>\nstream\n${stream}\nendstream`;
  });
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = `<< /Type /Pages /Kids [${kids.join(" ")}] /Count ${pages.length} >>`;
  objects[fontId] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

  let file = "%PDF-1.4\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(file, "latin1");
    file += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(file, "latin1");
  file += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) file += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  file += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(file, "latin1");
}
