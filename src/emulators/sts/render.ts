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

/** Answers nest one level at most (AssumeRoleWithOIDC's Credentials, AssumedRoleUser, ...). */
export type AnswerFields = Readonly<Record<string, string | Readonly<Record<string, string>>>>;

function xmlElements(fields: AnswerFields): string {
  return Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === "string" ? escapeXml(v) : xmlElements(v)}</${k}>`)
    .join("");
}

export function renderXml(root: string, fields: AnswerFields): string {
  return `<?xml version='1.0' encoding='UTF-8'?><${root}>${xmlElements(fields)}</${root}>`;
}

/** `xmlRoot` names the envelope element: "<Action>Response" for answers, "Error" for errors. */
export function render(format: ResponseFormat, xmlRoot: string, fields: AnswerFields): RenderedBody {
  return format === "XML"
    ? { contentType: XML_CONTENT_TYPE, body: renderXml(xmlRoot, fields) }
    : { contentType: JSON_CONTENT_TYPE, body: JSON.stringify(fields) };
}
