// Texts of the API reference page (zh-TW first, English second). The operations' own texts are the document's, in
// English.
import { defineTexts } from '../../platform/i18n/index.ts';

const zh = {
  apiDocs: {
    title: 'API 參考文件',
    intro:
      '校務行政系統等學校系統以伺服器對伺服器的方式呼叫的 JSON API。以下各 API 的說明以英文撰寫，與機器可讀的 OpenAPI 3.1 文件出自同一份定義，也就是伺服器檢查每個請求所用的規則。',
    download: 'OpenAPI 3.1 文件（JSON）',
    version: '版本 {{version}} · 伺服器 {{server}}',
    contents: '目錄',
    auth: '驗證方式',
    authBasic: 'HTTP Basic 驗證：用戶端 ID 與密鑰，且教育局已授予此用戶端這項權限：',
    authNone: '不需驗證。',
    parameters: '參數',
    body: '請求內容（JSON）',
    example: '範例',
    responses: '回應',
    responseFields: '回應 {{status}} 的欄位',
    status: '狀態碼',
    name: '名稱',
    in: '位置',
    type: '型別',
    required: '必填',
    yes: '是',
    no: '否',
    description: '說明與限制',
    meaning: '說明',
    where: { path: '路徑', query: '查詢字串' },
    errorShape: '錯誤回應的格式',
    errorShapeText:
      '每個 API 拒絕請求時都回傳同一種 JSON：error 是固定不變的代碼，各 API 列出它可能回傳的代碼；欄位或資料列有誤時，fields 或 errors 指出是哪一個。',
    rules: {
      oneOf: '可用值：{{values}}',
      pattern: '格式：{{value}}',
      format: '格式：{{value}}',
      minLength: '長度至少 {{value}}',
      maxLength: '長度至多 {{value}}',
      minimum: '最小 {{value}}',
      maximum: '最大 {{value}}',
      minItems: '至少 {{value}} 筆',
      maxItems: '至多 {{value}} 筆',
      default: '預設 {{value}}',
    },
    tags: {
      sis: '校務行政系統：推送人員與親子關係',
      roster: '名冊與認證帳號（高職與私立學校）',
      reference: '本文件',
    },
  },
};

const en: typeof zh = {
  apiDocs: {
    title: 'API reference',
    intro:
      'The JSON APIs that school systems such as the school-affairs system call server to server. Each is described below in English, from the same definitions as the machine-readable OpenAPI 3.1 document: the rules the server checks every request with.',
    download: 'OpenAPI 3.1 document (JSON)',
    version: 'Version {{version}} · server {{server}}',
    contents: 'Contents',
    auth: 'Authentication',
    authBasic: 'HTTP Basic: the client id and secret, and the bureau granted the client this permission:',
    authNone: 'None.',
    parameters: 'Parameters',
    body: 'Request body (JSON)',
    example: 'Example',
    responses: 'Responses',
    responseFields: 'Fields of the {{status}} response',
    status: 'Status',
    name: 'Name',
    in: 'In',
    type: 'Type',
    required: 'Required',
    yes: 'yes',
    no: 'no',
    description: 'Description and rules',
    meaning: 'Description',
    where: { path: 'path', query: 'query string' },
    errorShape: 'The error shape',
    errorShapeText:
      'Every API refuses with the same JSON: error is a stable code, and each API lists the codes it answers; where fields or rows are bad, fields or errors says which.',
    rules: {
      oneOf: 'one of: {{values}}',
      pattern: 'pattern: {{value}}',
      format: 'format: {{value}}',
      minLength: 'length at least {{value}}',
      maxLength: 'length at most {{value}}',
      minimum: 'at least {{value}}',
      maximum: 'at most {{value}}',
      minItems: 'at least {{value}} items',
      maxItems: 'at most {{value}} items',
      default: 'default {{value}}',
    },
    tags: {
      sis: 'School-affairs system: people and guardians',
      roster: 'Rosters and verification credentials (vocational and private schools)',
      reference: 'This document',
    },
  },
};

defineTexts({ 'zh-TW': zh, en });
