/** The panel's texts, one table per language (English and Simplified Chinese). */

const en = {
    title: 'NewAge Desktop',
    serverUrl: 'Server URL',
    clientId: 'Client ID',
    status: 'Status',
    takeRequests: 'Take requests from NewAge Desktop clients',
    pairAgain: 'Forget key / pair again',
    reconnect: 'Reconnect',
    pasteKey: 'Or paste a key generated in NewAge Desktop',
    useKey: 'Use key',
    recent: 'Recent requests',
    noRequests: 'No requests yet.',
    hint: 'Approve the pairing request in NewAge Desktop (Keys dock). Requests are written into the open chat as your messages and answered by the current character.',
    'state.connecting': 'Connecting to {detail}…',
    'state.pairing': 'Waiting for approval in NewAge Desktop (Keys dock).',
    'state.pairingAfter': 'The server refused the stored key ({detail}). Waiting for a new approval in NewAge Desktop.',
    'state.connected': 'Connected: taking requests.',
    'state.paused': 'Connected: not taking requests.',
    'state.refused': 'Refused by the server: {detail}',
    'state.unreachable': 'Server unreachable ({detail}); retrying.',
    'state.stopped': 'Not connected.',
    'request.waiting': 'waiting',
    'request.running': 'generating',
    'request.done': 'done',
    'request.failed': 'failed',
    'request.cancelled': 'cancelled',
    'request.dropped': 'dropped',
    clientIdEmpty: 'The client ID must not be empty.',
    clientIdInvalid: 'The client ID may not contain / \\ : * ? " < > | or control characters, nor start with "." or end with "." or a space.',
    serverUrlInvalid: 'The server URL must be an http:// or https:// address.',
    keyInvalid: 'A key is 36 characters (a UUID).',
};

const zhCN = {
    title: 'NewAge Desktop',
    serverUrl: '服务器地址',
    clientId: '客户端 ID',
    status: '状态',
    takeRequests: '接受 NewAge Desktop 客户端的请求',
    pairAgain: '忘记密钥 / 重新配对',
    reconnect: '重新连接',
    pasteKey: '或粘贴在 NewAge Desktop 中生成的密钥',
    useKey: '使用密钥',
    recent: '最近的请求',
    noRequests: '还没有请求。',
    hint: '请在 NewAge Desktop 中（密钥面板）批准配对请求。请求会作为你的消息写入当前聊天，由当前角色回复。',
    'state.connecting': '正在连接 {detail}…',
    'state.pairing': '等待在 NewAge Desktop 中批准（密钥面板）。',
    'state.pairingAfter': '服务器拒绝了已保存的密钥（{detail}）。等待在 NewAge Desktop 中重新批准。',
    'state.connected': '已连接：正在接受请求。',
    'state.paused': '已连接：暂停接受请求。',
    'state.refused': '被服务器拒绝：{detail}',
    'state.unreachable': '无法连接服务器（{detail}），正在重试。',
    'state.stopped': '未连接。',
    'request.waiting': '等待中',
    'request.running': '生成中',
    'request.done': '完成',
    'request.failed': '失败',
    'request.cancelled': '已取消',
    'request.dropped': '已丢弃',
    clientIdEmpty: '客户端 ID 不能为空。',
    clientIdInvalid: '客户端 ID 不能包含 / \\ : * ? " < > | 或控制字符，不能以“.”开头，也不能以“.”或空格结尾。',
    serverUrlInvalid: '服务器地址必须以 http:// 或 https:// 开头。',
    keyInvalid: '密钥是 36 个字符（UUID）。',
};

export const TABLES = Object.freeze({ en, 'zh-cn': zhCN });

/** 'zh-cn' for any Chinese locale SillyTavern or the browser reports, else 'en'. */
export function pickLanguage(locale) {
    return typeof locale === 'string' && locale.toLowerCase().startsWith('zh') ? 'zh-cn' : 'en';
}

/** A translator for one language; `{detail}` in a text is filled from `vars`. */
export function translator(language) {
    const table = TABLES[language] ?? en;
    return (key, vars = {}) => {
        const text = table[key] ?? en[key] ?? key;
        return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
    };
}
