// Serialises answers the way the POP gateway does for Format=JSON and Format=XML.

export type ResponseFormat = "JSON" | "XML";

export const JSON_CONTENT_TYPE = "application/json;charset=utf-8";
export const XML_CONTENT_TYPE = "text/xml;charset=utf-8";

export interface RenderedBody {
  contentType: string;
  body: string;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderXml(root: string, fields: Readonly<Record<string, string>>): string {
  const inner = Object.entries(fields)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  return `<?xml version='1.0' encoding='UTF-8'?><${root}>${inner}</${root}>`;
}

/** `xmlRoot` names the envelope element: "<Action>Response" for answers, "Error" for errors. */
export function render(format: ResponseFormat, xmlRoot: string, fields: Readonly<Record<string, string>>): RenderedBody {
  return format === "XML"
    ? { contentType: XML_CONTENT_TYPE, body: renderXml(xmlRoot, fields) }
    : { contentType: JSON_CONTENT_TYPE, body: JSON.stringify(fields) };
}
