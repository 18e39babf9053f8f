<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <source>About NewAge Desktop</source>
        <translation>关于 NewAge Desktop</translation>
    </message>
    <message>
        <source>A SillyTavern-NewAge relay server as a desktop app. Compatible with the SillyTavern-NewAge extension and its clients.</source>
        <translation>以桌面应用形式运行的 SillyTavern-NewAge 中继服务器。兼容 SillyTavern-NewAge 扩展及其客户端。</translation>
    </message>
    <message>
        <source>Licence: {0}</source>
        <translation>许可证：{0}</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Operating system</source>
        <translation>操作系统</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>日志文件夹</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Copy versions</source>
        <translation>复制版本信息</translation>
    </message>
    <message>
        <source>Copy these details as text, for a bug report</source>
        <translation>将这些信息复制为文本，用于错误报告</translation>
    </message>
</context>
<context>
    <name>AdminUiGroup</name>
    <message>
        <source>Socket.IO Admin UI</source>
        <translation>Socket.IO 管理界面</translation>
    </message>
    <message>
        <source>Let the Socket.IO Admin UI connect (namespace /admin)</source>
        <translation>允许 Socket.IO 管理界面连接（命名空间 /admin）</translation>
    </message>
    <message>
        <source>Username:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>(unchanged)</source>
        <translation>（不变）</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>Read-only: the UI cannot disconnect sockets or emit events</source>
        <translation>只读：管理界面不能断开连接或发送事件</translation>
    </message>
    <message>
        <source>List every socket and its rooms (development mode; costs some speed)</source>
        <translation>列出每个连接及其房间（开发模式；会降低一些速度）</translation>
    </message>
    <message>
        <source>Takes effect after the server restarts. Then open {0} in a browser and log in with server URL {1} and this username and password.</source>
        <translation>服务器重启后生效。然后在浏览器中打开 {0}，用服务器地址 {1} 以及这里的用户名和密码登录。</translation>
    </message>
    <message>
        <source>The password must be at most {0} bytes.</source>
        <translation>密码最多 {0} 个字节。</translation>
    </message>
    <message>
        <source>Enter a username for the Admin UI.</source>
        <translation>请输入管理界面的用户名。</translation>
    </message>
    <message>
        <source>Enter a password for the Admin UI.</source>
        <translation>请输入管理界面的密码。</translation>
    </message>
</context>
<context>
    <name>AppActions</name>
    <message>
        <source>Hide window</source>
        <translation>隐藏窗口</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>显示窗口</translation>
    </message>
    <message>
        <source>Stop server</source>
        <translation>停止服务器</translation>
    </message>
    <message>
        <source>Start server</source>
        <translation>启动服务器</translation>
    </message>
    <message>
        <source>Copy server URL</source>
        <translation>复制服务器地址</translation>
    </message>
    <message>
        <source>Open data folder</source>
        <translation>打开数据文件夹</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Stop the server and quit</source>
        <translation>停止服务器并退出</translation>
    </message>
    <message>
        <source>Reset layout</source>
        <translation>重置布局</translation>
    </message>
    <message>
        <source>Install extension…</source>
        <translation>安装扩展…</translation>
    </message>
    <message>
        <source>Copy the NewAge Desktop extension into a SillyTavern folder</source>
        <translation>把 NewAge Desktop 扩展复制到 SillyTavern 文件夹中</translation>
    </message>
    <message>
        <source>Extension status…</source>
        <translation>扩展状态…</translation>
    </message>
    <message>
        <source>About NewAge Desktop</source>
        <translation>关于 NewAge Desktop</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <source>NewAge Desktop is still running</source>
        <translation>NewAge Desktop 仍在运行</translation>
    </message>
    <message>
        <source>The server keeps running in the tray. Choose Quit in the tray menu to stop it. (You can change this in Settings.)</source>
        <translation>服务器会在托盘中继续运行。要停止它，请在托盘菜单中选择“退出”。（可以在设置中更改此行为。）</translation>
    </message>
    <message>
        <source>Quit NewAge Desktop?</source>
        <translation>退出 NewAge Desktop？</translation>
    </message>
    <message>
        <source>Quitting stops the server: connected clients are disconnected and running requests end.</source>
        <translation>退出会停止服务器：已连接的客户端将断开，正在进行的请求将终止。</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>These changes take effect after the server restarts: {0}.</source>
        <translation>以下更改在服务器重启后生效：{0}。</translation>
    </message>
    <message>
        <source>Restart the server?</source>
        <translation>重启服务器？</translation>
    </message>
    <message>
        <source>Restart server now</source>
        <translation>立即重启服务器</translation>
    </message>
    <message>
        <source>Restarting disconnects every client for a moment.</source>
        <translation>重启会使所有客户端短暂断开连接。</translation>
    </message>
    <message>
        <source>Start the server?</source>
        <translation>启动服务器？</translation>
    </message>
    <message>
        <source>Start server now</source>
        <translation>立即启动服务器</translation>
    </message>
    <message>
        <source>The server is not running. Start it with the new settings?</source>
        <translation>服务器未运行。要使用新设置启动它吗？</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <source>Extensions for %1</source>
        <translation>%1 的扩展</translation>
    </message>
</context>
<context>
    <name>AutostartCheckBox</name>
    <message>
        <source>Cannot read whether the app starts at login: {0}</source>
        <translation>无法读取是否在登录时启动：{0}</translation>
    </message>
    <message>
        <source>Start at login (minimised to the tray)</source>
        <translation>登录时启动（最小化到托盘）</translation>
    </message>
    <message>
        <source>Kept in {0}</source>
        <translation>保存在 {0}</translation>
    </message>
    <message>
        <source>Cannot change whether the app starts at login: {0}</source>
        <translation>无法更改是否在登录时启动：{0}</translation>
    </message>
</context>
<context>
    <name>ChatDock</name>
    <message>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <source>Extension: </source>
        <translation>扩展：</translation>
    </message>
    <message>
        <source> Room: </source>
        <translation> 房间：</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>重新加载</translation>
    </message>
    <message>
        <source>Load the room&apos;s history again</source>
        <translation>重新加载房间的历史记录</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Ask the extension to regenerate its last answer (regenerateMessage)</source>
        <translation>请扩展重新生成上一条回答（regenerateMessage）</translation>
    </message>
    <message>
        <source>Copy message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Message to the extension — Enter sends, Shift+Enter starts a new line</source>
        <translation>发给扩展的消息 —— Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>No SillyTavern connected.

To chat with SillyTavern here: SillyTavern → Install extension…, start SillyTavern, then approve the pairing request in the Keys dock.</source>
        <translation>没有已连接的 SillyTavern。

要在这里与 SillyTavern 聊天：选择 SillyTavern → 安装扩展…，启动 SillyTavern，然后在“密钥”面板中批准配对请求。</translation>
    </message>
    <message>
        <source>No messages in this room yet.

Type below and press Enter to ask {0}.</source>
        <translation>此房间还没有消息。

在下方输入并按 Enter，即可向 {0} 提问。</translation>
    </message>
    <message>
        <source>Desktop (you)</source>
        <translation>桌面端（你）</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>streaming…</source>
        <translation>生成中…</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>queued for the host (HostSubmit)</source>
        <translation>已排队，等待主持人（HostSubmit）</translation>
    </message>
    <message>
        <source>recorded, not sent to an extension</source>
        <translation>已记录，未发送给扩展</translation>
    </message>
    <message>
        <source>(no extension connected)</source>
        <translation>（没有已连接的扩展）</translation>
    </message>
    <message>
        <source>(no room)</source>
        <translation>（没有房间）</translation>
    </message>
</context>
<context>
    <name>ChatEditing</name>
    <message>
        <source>Edit message…</source>
        <translation>编辑消息…</translation>
    </message>
    <message>
        <source>Delete messages</source>
        <translation>删除消息</translation>
    </message>
    <message>
        <source>Clear room…</source>
        <translation>清空房间…</translation>
    </message>
    <message>
        <source>Remove the room&apos;s messages for everyone</source>
        <translation>为所有人删除该房间的消息</translation>
    </message>
    <message numerus="yes">
        <source>%n guest message(s) waiting for the host</source>
        <translation>
            <numerusform>%n 条访客消息等待主持人</numerusform>
        </translation>
    </message>
    <message>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Text of the message by %1:</source>
        <translation>%1 的消息文本：</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n message(s) from the room&apos;s history, for everyone?</source>
        <translation>
            <numerusform>从房间历史中为所有人删除 %n 条消息？</numerusform>
        </translation>
    </message>
    <message>
        <source>Clear room</source>
        <translation>清空房间</translation>
    </message>
</context>
<context>
    <name>ClearDialog</name>
    <message>
        <source>Clear %1</source>
        <translation>清空 %1</translation>
    </message>
    <message>
        <source>Requests and system messages</source>
        <translation>请求和系统消息</translation>
    </message>
    <message>
        <source>Responses</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>Remove from the room&apos;s history, for everyone:</source>
        <translation>从房间历史中为所有人删除：</translation>
    </message>
</context>
<context>
    <name>ClientsDock</name>
    <message>
        <source>Clients</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>Filter clients…</source>
        <translation>筛选客户端…</translation>
    </message>
    <message>
        <source>Disconnect</source>
        <translation>断开连接</translation>
    </message>
    <message>
        <source>Close every socket of the selected client</source>
        <translation>关闭所选客户端的所有连接</translation>
    </message>
    <message>
        <source>Revoke key…</source>
        <translation>吊销密钥…</translation>
    </message>
    <message>
        <source>Delete the client&apos;s key; its live sockets are dropped</source>
        <translation>删除该客户端的密钥；其现有连接将被断开</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>复制 ID</translation>
    </message>
    <message>
        <source>The server is not running: Server → Start server.</source>
        <translation>服务器未运行：选择 服务器 → 启动服务器。</translation>
    </message>
    <message>
        <source>No clients connected.

To connect SillyTavern: SillyTavern → Install extension…, start SillyTavern, then approve the pairing request in the Keys dock.</source>
        <translation>没有已连接的客户端。

要连接 SillyTavern：选择 SillyTavern → 安装扩展…，启动 SillyTavern，然后在“密钥”面板中批准配对请求。</translation>
    </message>
    <message numerus="yes">
        <source>%n client(s) connected</source>
        <translation>
            <numerusform>已连接 %n 个客户端</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoke the key of %1? Its live sockets are dropped and it must be given a new key to connect again.</source>
        <translation>吊销 %1 的密钥？其现有连接将被断开，必须提供新密钥才能再次连接。</translation>
    </message>
    <message>
        <source>Revoke key</source>
        <translation>吊销密钥</translation>
    </message>
</context>
<context>
    <name>ClientsModel</name>
    <message>
        <source>Identity</source>
        <translation>身份</translation>
    </message>
    <message>
        <source>Client ID</source>
        <translation>客户端 ID</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Namespaces</source>
        <translation>命名空间</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Connected since</source>
        <translation>连接时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>available</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>NewAge Desktop</source>
        <translation>NewAge Desktop</translation>
    </message>
    <message>
        <source>NewAge Desktop hit an unexpected error</source>
        <translation>NewAge Desktop 遇到了意外错误</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <source>The details are written to the log folder:
{0}

NewAge Desktop keeps running. If something no longer works, restart it; please add the details below and the log folder&apos;s crash.log to a bug report.</source>
        <translation>详细信息已写入日志文件夹：
{0}

NewAge Desktop 仍在运行。如果某些功能无法正常工作，请重新启动它；提交错误报告时，请附上下方的详细信息和日志文件夹中的 crash.log。</translation>
    </message>
    <message>
        <source>Further errors while this message was open: {0} (all are logged).</source>
        <translation>此消息打开期间又发生了 {0} 个错误（均已记录到日志）。</translation>
    </message>
</context>
<context>
    <name>DockBase</name>
    <message>
        <source>No key to revoke for %1.</source>
        <translation>%1 没有可吊销的密钥。</translation>
    </message>
</context>
<context>
    <name>ExtensionTexts</name>
    <message>
        <source>Choose the folder SillyTavern is installed in.</source>
        <translation>请选择 SillyTavern 的安装文件夹。</translation>
    </message>
    <message>
        <source>{0} is not a folder.</source>
        <translation>{0} 不是文件夹。</translation>
    </message>
    <message>
        <source>The folder {0} does not exist.</source>
        <translation>文件夹 {0} 不存在。</translation>
    </message>
    <message>
        <source>{0} is not a SillyTavern folder (no package.json of sillytavern).</source>
        <translation>{0} 不是 SillyTavern 文件夹（没有 sillytavern 的 package.json）。</translation>
    </message>
    <message>
        <source>Did you mean {1}?</source>
        <translation>您是指 {1} 吗？</translation>
    </message>
    <message>
        <source>Cannot read {0}: {1}</source>
        <translation>无法读取 {0}：{1}</translation>
    </message>
    <message>
        <source>Invalid SillyTavern user “{0}”: give the name of the user&apos;s folder, without / \ or :.</source>
        <translation>无效的 SillyTavern 用户“{0}”：请填写该用户文件夹的名称，不能包含 / \ 或 :。</translation>
    </message>
    <message>
        <source>Invalid server URL “{0}”: use http:// or https://, a host and a port only, for example http://127.0.0.1:4000.</source>
        <translation>无效的服务器地址“{0}”：请使用 http:// 或 https://，只包含主机和端口，例如 http://127.0.0.1:4000。</translation>
    </message>
    <message>
        <source>{0} is a link or a file; move it away yourself to install a copy there.</source>
        <translation>{0} 是一个链接或文件；请先自行将它移走，才能在那里安装副本。</translation>
    </message>
    <message>
        <source>The SillyTavern extension is missing from this installation ({0}).</source>
        <translation>此 NewAge Desktop 安装中缺少 SillyTavern 扩展（{0}）。</translation>
    </message>
    <message>
        <source>Cannot install into {0}: {1}</source>
        <translation>无法安装到 {0}：{1}</translation>
    </message>
    <message>
        <source>(unknown version)</source>
        <translation>（版本未知）</translation>
    </message>
    <message>
        <source>The NewAge Desktop extension {0} is installed in:</source>
        <translation>NewAge Desktop 扩展 {0} 已安装到：</translation>
    </message>
    <message>
        <source>The NewAge Desktop extension {0} was installed again in:</source>
        <translation>NewAge Desktop 扩展 {0} 已重新安装到：</translation>
    </message>
    <message>
        <source>The NewAge Desktop extension {0} replaced version {1} in:</source>
        <translation>NewAge Desktop 扩展 {0} 已替换以下位置的版本 {1}：</translation>
    </message>
    <message>
        <source>It connects to {0} by default.</source>
        <translation>它默认连接到 {0}。</translation>
    </message>
    <message>
        <source>SillyTavern had no folder for user {0} yet: it has not been started with this folder, or the user has another name.</source>
        <translation>SillyTavern 中还没有用户 {0} 的文件夹：可能尚未用此文件夹启动过 SillyTavern，或者该用户使用了其他名称。</translation>
    </message>
    <message>
        <source>Next: start SillyTavern (or reload its page), open Extensions → NewAge Desktop, then approve the pairing request in the Keys dock.</source>
        <translation>下一步：启动 SillyTavern（或重新加载其页面），打开 扩展 → NewAge Desktop，然后在“密钥”面板中批准配对请求。</translation>
    </message>
    <message>
        <source>version {0}</source>
        <translation>版本 {0}</translation>
    </message>
    <message>
        <source>not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <source>SillyTavern folder: {0}</source>
        <translation>SillyTavern 文件夹：{0}</translation>
    </message>
    <message>
        <source>SillyTavern user: {0}</source>
        <translation>SillyTavern 用户：{0}</translation>
    </message>
    <message>
        <source>Extension folder: {0}</source>
        <translation>扩展文件夹：{0}</translation>
    </message>
    <message>
        <source>Installed: {0}</source>
        <translation>已安装：{0}</translation>
    </message>
    <message>
        <source>Bundled with NewAge Desktop: {0}</source>
        <translation>NewAge Desktop 自带：{0}</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Update available: {0}</source>
        <translation>有可用更新：{0}</translation>
    </message>
    <message>
        <source>Default server URL: {0}</source>
        <translation>默认服务器地址：{0}</translation>
    </message>
    <message>
        <source>Default server URL: the extension&apos;s own ({0})</source>
        <translation>默认服务器地址：扩展自身的默认值（{0}）</translation>
    </message>
    <message>
        <source>SillyTavern → Install extension… installs the bundled version.</source>
        <translation>SillyTavern → 安装扩展… 会安装自带的版本。</translation>
    </message>
    <message>
        <source>Choose the SillyTavern folder</source>
        <translation>选择 SillyTavern 文件夹</translation>
    </message>
    <message>
        <source>SillyTavern extension</source>
        <translation>SillyTavern 扩展</translation>
    </message>
</context>
<context>
    <name>InstallExtensionDialog</name>
    <message>
        <source>Install the SillyTavern extension</source>
        <translation>安装 SillyTavern 扩展</translation>
    </message>
    <message>
        <source>Copies the NewAge Desktop extension into SillyTavern, so that SillyTavern connects to this server. An older copy is replaced.</source>
        <translation>把 NewAge Desktop 扩展复制到 SillyTavern 中，使 SillyTavern 连接到此服务器。旧的副本会被替换。</translation>
    </message>
    <message>
        <source>SillyTavern folder:</source>
        <translation>SillyTavern 文件夹：</translation>
    </message>
    <message>
        <source>The folder with SillyTavern&apos;s package.json</source>
        <translation>包含 SillyTavern 的 package.json 的文件夹</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>SillyTavern user:</source>
        <translation>SillyTavern 用户：</translation>
    </message>
    <message>
        <source>Server URL:</source>
        <translation>服务器地址：</translation>
    </message>
    <message>
        <source>Where the extension connects unless changed in SillyTavern; empty: the extension&apos;s own default</source>
        <translation>扩展默认连接的地址（在 SillyTavern 中的设置优先）；留空：使用扩展自身的默认值</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>安装</translation>
    </message>
    <message>
        <source>Choose the SillyTavern folder</source>
        <translation>选择 SillyTavern 文件夹</translation>
    </message>
    <message>
        <source>Choose the folder SillyTavern is installed in.</source>
        <translation>请选择 SillyTavern 的安装文件夹。</translation>
    </message>
    <message>
        <source>SillyTavern found. Install copies version {0} to:</source>
        <translation>已找到 SillyTavern。安装会把版本 {0} 复制到：</translation>
    </message>
    <message>
        <source>Version {0} is installed; Install copies it again to:</source>
        <translation>已安装版本 {0}；安装会再次把它复制到：</translation>
    </message>
    <message>
        <source>Version {0} is installed; Install replaces it by {1} in:</source>
        <translation>已安装版本 {0}；安装会用 {1} 替换它，位置：</translation>
    </message>
    <message>
        <source>The extension was not installed</source>
        <translation>扩展未安装</translation>
    </message>
    <message>
        <source>SillyTavern extension installed</source>
        <translation>SillyTavern 扩展已安装</translation>
    </message>
</context>
<context>
    <name>KeyDialog</name>
    <message>
        <source>New key for %1</source>
        <translation>%1 的新密钥</translation>
    </message>
    <message>
        <source>Reveal</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>This is the key of &lt;b&gt;%1&lt;/b&gt;. It is shown only now: copy it into the client&apos;s settings. If it is lost, generate a new one.</source>
        <translation>这是 &lt;b&gt;%1&lt;/b&gt; 的密钥，只会显示这一次：请把它复制到客户端的设置中。如果丢失，请重新生成一个。</translation>
    </message>
    <message>
        <source>&lt;b&gt;OpenAI-compatible API&lt;/b&gt;: give any OpenAI client (Python, JavaScript, curl, chat apps) this base URL and API key.</source>
        <translation>&lt;b&gt;OpenAI 兼容 API&lt;/b&gt;：把这个基础 URL 和 API 密钥填入任何 OpenAI 客户端（Python、JavaScript、curl、聊天应用）。</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>已复制到剪贴板。</translation>
    </message>
</context>
<context>
    <name>KeysDock</name>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Trust new client…</source>
        <translation>信任新客户端…</translation>
    </message>
    <message>
        <source>New key…</source>
        <translation>新密钥…</translation>
    </message>
    <message>
        <source>Generate a new key; the old one stops working</source>
        <translation>生成新密钥；旧密钥将失效</translation>
    </message>
    <message>
        <source>Revoke key…</source>
        <translation>吊销密钥…</translation>
    </message>
    <message>
        <source>Untrust…</source>
        <translation>取消信任…</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>No pending pairing requests.</source>
        <translation>没有待处理的配对请求。</translation>
    </message>
    <message>
        <source>Pending pairing requests (%1)</source>
        <translation>待处理的配对请求（%1）</translation>
    </message>
    <message>
        <source>Trust new client</source>
        <translation>信任新客户端</translation>
    </message>
    <message>
        <source>New key</source>
        <translation>新密钥</translation>
    </message>
    <message>
        <source>Generate a new key for %1? The old key stops working and its live sockets drop.</source>
        <translation>为 %1 生成新密钥？旧密钥将失效，其现有连接将被断开。</translation>
    </message>
    <message>
        <source>Revoke key</source>
        <translation>吊销密钥</translation>
    </message>
    <message>
        <source>Revoke the key of %1? Its live sockets drop; it stays trusted and needs a new key to connect.</source>
        <translation>吊销 %1 的密钥？其现有连接将被断开；它仍受信任，但需要新密钥才能连接。</translation>
    </message>
    <message>
        <source>Untrust</source>
        <translation>取消信任</translation>
    </message>
    <message>
        <source>Stop trusting %1? Its key is revoked and its live sockets drop.</source>
        <translation>不再信任 %1？其密钥将被吊销，现有连接将被断开。</translation>
    </message>
    <message>
        <source>%1 asks for admin rights (clientType monitor). Approve?</source>
        <translation>%1 请求管理员权限（clientType 为 monitor）。是否批准？</translation>
    </message>
    <message>
        <source>The request is no longer pending.</source>
        <translation>该请求已不再处于待处理状态。</translation>
    </message>
</context>
<context>
    <name>KeysModel</name>
    <message>
        <source>Client ID</source>
        <translation>客户端 ID</translation>
    </message>
    <message>
        <source>Trusted</source>
        <translation>受信任</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Key last used</source>
        <translation>密钥最近使用</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>has key</source>
        <translation>有密钥</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Trusted, no key: generate one so that the client can connect</source>
        <translation>受信任但没有密钥：请生成一个，客户端才能连接</translation>
    </message>
</context>
<context>
    <name>LogDock</name>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Level: </source>
        <translation>级别：</translation>
    </message>
    <message>
        <source>Filter messages…</source>
        <translation>筛选消息…</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the selected lines (all shown lines if none)</source>
        <translation>复制所选行（未选择时复制所有显示的行）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>打开日志文件夹</translation>
    </message>
    <message>
        <source>%1 of %2 lines shown (at most %3 kept)</source>
        <translation>显示 %1 / %2 行（最多保留 %3 行）</translation>
    </message>
    <message>
        <source>paused, %1 new</source>
        <translation>已暂停，%1 条新消息</translation>
    </message>
</context>
<context>
    <name>LogModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Server</source>
        <translation>服务器(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;illyTavern</source>
        <translation>SillyTavern(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>NewAge Desktop</source>
        <translation>NewAge Desktop</translation>
    </message>
</context>
<context>
    <name>MemberDialog</name>
    <message>
        <source>Add member to %1</source>
        <translation>向 %1 添加成员</translation>
    </message>
    <message>
        <source>Identity:</source>
        <translation>身份：</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>角色：</translation>
    </message>
</context>
<context>
    <name>MuteDialog</name>
    <message>
        <source>Mute %1 in %2</source>
        <translation>在 %2 中禁言 %1</translation>
    </message>
    <message>
        <source>30 seconds</source>
        <translation>30 秒</translation>
    </message>
    <message>
        <source>5 minutes</source>
        <translation>5 分钟</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 小时</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1 天</translation>
    </message>
    <message>
        <source>Permanent</source>
        <translation>永久</translation>
    </message>
    <message>
        <source>Custom…</source>
        <translation>自定义…</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Duration:</source>
        <translation>时长：</translation>
    </message>
    <message>
        <source>Seconds:</source>
        <translation>秒数：</translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message>
        <source>…and {0} more</source>
        <translation>…还有 {0} 条</translation>
    </message>
    <message>
        <source>NewAge Desktop</source>
        <translation>NewAge Desktop</translation>
    </message>
    <message>
        <source>SillyTavern wants to connect</source>
        <translation>SillyTavern 请求连接</translation>
    </message>
    <message>
        <source>Pairing request</source>
        <translation>配对请求</translation>
    </message>
    <message>
        <source>{0} ({1}) asks for a key. Approve or deny it in the Keys dock.</source>
        <translation>{0}（{1}）请求密钥。请在“密钥”面板中批准或拒绝。</translation>
    </message>
    <message>
        <source>Extension connected</source>
        <translation>扩展已连接</translation>
    </message>
    <message>
        <source>{0} is connected.</source>
        <translation>{0} 已连接。</translation>
    </message>
    <message>
        <source>Extension disconnected</source>
        <translation>扩展已断开</translation>
    </message>
    <message>
        <source>{0} disconnected.</source>
        <translation>{0} 已断开连接。</translation>
    </message>
    <message>
        <source>Repeated authentication failures</source>
        <translation>多次身份验证失败</translation>
    </message>
    <message>
        <source>{0} failed attempts from {1} (last clientId {2}: {3}).</source>
        <translation>来自 {1} 的 {0} 次失败尝试（最近的 clientId {2}：{3}）。</translation>
    </message>
</context>
<context>
    <name>OriginsEditor</name>
    <message>
        <source>Web pages allowed to connect (CORS)</source>
        <translation>允许连接的网页（CORS）</translation>
    </message>
    <message>
        <source>Pages on this computer (local)</source>
        <translation>本机上的网页（local）</translation>
    </message>
    <message>
        <source>localhost, 127.0.0.1 and ::1, any port, such as SillyTavern at http://127.0.0.1:8000.</source>
        <translation>localhost、127.0.0.1 和 ::1，任意端口，例如位于 http://127.0.0.1:8000 的 SillyTavern。</translation>
    </message>
    <message>
        <source>Other web pages (origins such as http://host:port):</source>
        <translation>其他网页（来源，例如 http://主机:端口）：</translation>
    </message>
    <message>
        <source>such as https://example.org</source>
        <translation>例如 https://example.org</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Any web site (*)</source>
        <translation>任意网站（*）</translation>
    </message>
    <message>
        <source>Every web site opened in a browser that can reach the server may connect to it. Turn this on only if you know why.</source>
        <translation>在能访问此服务器的浏览器中打开的任何网站都可以连接到它。除非你清楚原因，否则不要开启。</translation>
    </message>
    <message>
        <source>Enter an origin as scheme://host[:port], such as http://192.168.1.20:8000 (no path).</source>
        <translation>请按 协议://主机[:端口] 的格式输入来源，例如 http://192.168.1.20:8000（不含路径）。</translation>
    </message>
</context>
<context>
    <name>PendingModel</name>
    <message>
        <source>Client ID</source>
        <translation>客户端 ID</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>身份</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>请求时间</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>过期时间</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>asks for admin rights</source>
        <translation>请求管理员权限</translation>
    </message>
    <message>
        <source>already trusted</source>
        <translation>已受信任</translation>
    </message>
</context>
<context>
    <name>Prompts</name>
    <message>
        <source>The server could not start</source>
        <translation>服务器无法启动</translation>
    </message>
    <message>
        <source>Open Settings…</source>
        <translation>打开设置…</translation>
    </message>
    <message>
        <source>The server cannot start because a data file is damaged:</source>
        <translation>服务器无法启动，因为一个数据文件已损坏：</translation>
    </message>
    <message>
        <source>You can fix the file yourself and press Start, or move it aside as “{0}” and start with a fresh one. Nothing is deleted.</source>
        <translation>你可以自行修复该文件后再点击“启动”，也可以将其另存为“{0}”并使用一个新文件启动。不会删除任何内容。</translation>
    </message>
    <message>
        <source>A data file is damaged</source>
        <translation>数据文件已损坏</translation>
    </message>
    <message>
        <source>Move aside and start fresh</source>
        <translation>移开并重新开始</translation>
    </message>
</context>
<context>
    <name>RoomsDock</name>
    <message>
        <source>Rooms</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>New room…</source>
        <translation>新建房间…</translation>
    </message>
    <message>
        <source>Delete room…</source>
        <translation>删除房间…</translation>
    </message>
    <message>
        <source>Add member…</source>
        <translation>添加成员…</translation>
    </message>
    <message>
        <source>Set role</source>
        <translation>设置角色</translation>
    </message>
    <message>
        <source>Master</source>
        <translation>房主</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>管理者</translation>
    </message>
    <message>
        <source>Guest</source>
        <translation>访客</translation>
    </message>
    <message>
        <source>Kick…</source>
        <translation>踢出…</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>模式</translation>
    </message>
    <message>
        <source>How the room&apos;s requests are sent (PROTOCOL §7.3)</source>
        <translation>房间请求的发送方式（PROTOCOL §7.3）</translation>
    </message>
    <message>
        <source>Assign extensions…</source>
        <translation>分配扩展…</translation>
    </message>
    <message>
        <source>Mute…</source>
        <translation>禁言…</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>解除禁言</translation>
    </message>
    <message>
        <source>Connection policy: which extensions serve which room</source>
        <translation>连接策略：哪些扩展服务哪些房间</translation>
    </message>
    <message>
        <source>New room</source>
        <translation>新建房间</translation>
    </message>
    <message>
        <source>Room name:</source>
        <translation>房间名称：</translation>
    </message>
    <message>
        <source>Delete room</source>
        <translation>删除房间</translation>
    </message>
    <message>
        <source>Delete room &quot;%1&quot; and its whole chat history? Its members are told.</source>
        <translation>删除房间“%1”及其全部聊天记录？将通知其成员。</translation>
    </message>
    <message>
        <source>Add member</source>
        <translation>添加成员</translation>
    </message>
    <message>
        <source>Kick member</source>
        <translation>踢出成员</translation>
    </message>
    <message>
        <source>Kick %1 from room &quot;%2&quot;?</source>
        <translation>将 %1 踢出房间“%2”？</translation>
    </message>
    <message>
        <source>Set mode</source>
        <translation>设置模式</translation>
    </message>
    <message>
        <source>Connection policy</source>
        <translation>连接策略</translation>
    </message>
    <message>
        <source>Assign extensions</source>
        <translation>分配扩展</translation>
    </message>
    <message>
        <source>Mute member</source>
        <translation>禁言成员</translation>
    </message>
    <message>
        <source>Unmute member</source>
        <translation>解除成员禁言</translation>
    </message>
</context>
<context>
    <name>RoomsModel</name>
    <message>
        <source>Room / member</source>
        <translation>房间 / 成员</translation>
    </message>
    <message>
        <source>Role / mode</source>
        <translation>角色 / 模式</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>no extension</source>
        <translation>无扩展</translation>
    </message>
    <message>
        <source>Created %1
Extensions: %2</source>
        <translation>创建于 %1
扩展：%2</translation>
    </message>
    <message>
        <source>personal room</source>
        <translation>个人房间</translation>
    </message>
    <message>
        <source>room</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>%1 → %2</source>
        <translation>%1 → %2</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s)</source>
        <translation>
            <numerusform>%n 名成员</numerusform>
        </translation>
    </message>
    <message>
        <source>Client ID: %1</source>
        <translation>客户端 ID：%1</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>%1, muted</source>
        <translation>%1，已禁言</translation>
    </message>
    <message>
        <source>%1, %2</source>
        <translation>%1，%2</translation>
    </message>
    <message>
        <source>typing</source>
        <translation>正在输入</translation>
    </message>
    <message>
        <source>processing</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>已禁言</translation>
    </message>
    <message>
        <source>master</source>
        <translation>房主</translation>
    </message>
    <message>
        <source>manager</source>
        <translation>管理者</translation>
    </message>
    <message>
        <source>guest</source>
        <translation>访客</translation>
    </message>
</context>
<context>
    <name>ServerStatusBar</name>
    <message>
        <source>Copied {0} to the clipboard</source>
        <translation>已将 {0} 复制到剪贴板</translation>
    </message>
    <message>
        <source>Click to copy the server URL</source>
        <translation>点击复制服务器地址</translation>
    </message>
    <message>
        <source>The server is not running</source>
        <translation>服务器未运行</translation>
    </message>
    <message>
        <source>⚠ networkSafe is ON: no authentication</source>
        <translation>⚠ networkSafe 已开启：不进行身份验证</translation>
    </message>
    <message>
        <source>Any client can connect without a key and any monitor is admin. Turn networkSafe off in Settings.</source>
        <translation>任何客户端无需密钥即可连接，任何监视端（monitor）都拥有管理员权限。请在设置中关闭 networkSafe。</translation>
    </message>
    <message>
        <source>Authentication: keys</source>
        <translation>身份验证：密钥</translation>
    </message>
    <message>
        <source>Clients need a trusted clientId and its key</source>
        <translation>客户端需要受信任的 clientId 及其密钥</translation>
    </message>
    <message>
        <source>Up {0}</source>
        <translation>已运行 {0}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Listen address</source>
        <translation>监听地址</translation>
    </message>
    <message>
        <source>Allowed web origins</source>
        <translation>允许的网页来源</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Security and pairing</source>
        <translation>安全与配对</translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation>桌面</translation>
    </message>
    <message>
        <source>Changes on this page take effect after the server restarts.</source>
        <translation>此页上的更改在服务器重启后生效。</translation>
    </message>
    <message>
        <source>Listen address:</source>
        <translation>监听地址：</translation>
    </message>
    <message>
        <source>127.0.0.1: this computer only. 0.0.0.0 or ::: every network interface (LAN).</source>
        <translation>127.0.0.1：仅本机。0.0.0.0 或 ::：所有网络接口（局域网）。</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <source>networkSafe: accept every client without a key (no authentication)</source>
        <translation>networkSafe：接受所有客户端，无需密钥（不进行身份验证）</translation>
    </message>
    <message>
        <source>Let unknown clients request a key (you approve each request)</source>
        <translation>允许未知客户端请求密钥（每个请求由你批准）</translation>
    </message>
    <message>
        <source>Give trusted clients a new key on request without asking</source>
        <translation>受信任的客户端请求时直接发放新密钥，无需确认</translation>
    </message>
    <message>
        <source>A pairing request expires after:</source>
        <translation>配对请求的有效期：</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Closing the window keeps the server running in the tray</source>
        <translation>关闭窗口时让服务器在托盘中继续运行</translation>
    </message>
    <message>
        <source>No system tray is available on this desktop: closing the window asks before quitting, and notifications are not shown.</source>
        <translation>此桌面环境没有可用的系统托盘：关闭窗口时会先询问是否退出，且不会显示通知。</translation>
    </message>
    <message>
        <source>Notifications:</source>
        <translation>通知：</translation>
    </message>
    <message>
        <source>An extension connects or disconnects</source>
        <translation>扩展连接或断开时</translation>
    </message>
    <message>
        <source>A client asks for a key (pairing request)</source>
        <translation>客户端请求密钥时（配对请求）</translation>
    </message>
    <message>
        <source>Repeated authentication failures</source>
        <translation>多次身份验证失败时</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>This run listens as given on the command line ({0}); saved values apply when the app is started without it.</source>
        <translation>本次运行使用命令行指定的监听参数（{0}）；不带这些参数启动时才会使用保存的值。</translation>
    </message>
    <message>
        <source>Other devices on your network can reach the server. Keep networkSafe off and give keys only to clients you trust.</source>
        <translation>网络中的其他设备可以访问此服务器。请保持 networkSafe 关闭，并且只向你信任的客户端提供密钥。</translation>
    </message>
    <message>
        <source>With networkSafe on, anyone who can reach the port can connect as any client and act as admin. Use it only on a network you fully control.</source>
        <translation>开启 networkSafe 后，任何能访问该端口的人都可以冒充任意客户端连接并获得管理员权限。仅在你完全掌控的网络中使用。</translation>
    </message>
    <message>
        <source>Cannot read the server settings: {0}</source>
        <translation>无法读取服务器设置：{0}</translation>
    </message>
    <message>
        <source>Enter an address without spaces, such as 127.0.0.1 or 0.0.0.0.</source>
        <translation>请输入不含空格的地址，例如 127.0.0.1 或 0.0.0.0。</translation>
    </message>
    <message>
        <source>Cannot save the server settings: {0}</source>
        <translation>无法保存服务器设置：{0}</translation>
    </message>
</context>
<context>
    <name>StatsDock</name>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Connected clients</source>
        <translation>已连接的客户端</translation>
    </message>
    <message>
        <source>Tokens per second</source>
        <translation>每秒 token 数</translation>
    </message>
    <message>
        <source>Events per second</source>
        <translation>每秒事件数</translation>
    </message>
    <message>
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>clients</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>extensions</source>
        <translation>扩展</translation>
    </message>
    <message>
        <source>from extensions</source>
        <translation>来自扩展</translation>
    </message>
    <message>
        <source>to clients</source>
        <translation>发往客户端</translation>
    </message>
    <message>
        <source>to OpenAI API clients</source>
        <translation>发往 OpenAI API 客户端</translation>
    </message>
    <message>
        <source>events in</source>
        <translation>接收事件</translation>
    </message>
    <message>
        <source>Collecting…</source>
        <translation>正在收集…</translation>
    </message>
    <message>
        <source>Clients: %1 (extensions: %2) · tokens/s: %3 in, %4 out · events/s: %5</source>
        <translation>客户端：%1（扩展：%2）· token/秒：收 %3，发 %4 · 事件/秒：%5</translation>
    </message>
    <message>
        <source>OpenAI API: %1 requests, %2 tokens/s</source>
        <translation>OpenAI API：%1 个请求，%2 token/秒</translation>
    </message>
</context>
<context>
    <name>StatsModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Clients</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>Extensions</source>
        <translation>扩展</translation>
    </message>
    <message>
        <source>Tokens in/s</source>
        <translation>接收 token/秒</translation>
    </message>
    <message>
        <source>Tokens out/s</source>
        <translation>发送 token/秒</translation>
    </message>
    <message>
        <source>Events/s</source>
        <translation>事件/秒</translation>
    </message>
    <message>
        <source>API tokens/s</source>
        <translation>API token/秒</translation>
    </message>
    <message>
        <source>API requests</source>
        <translation>API 请求</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>{0} d {1}:{2:02d}:{3:02d}</source>
        <translation>{0} 天 {1}:{2:02d}:{3:02d}</translation>
    </message>
    <message>
        <source>Clients: {0} · Extensions: {1} · Pairing requests: {2}</source>
        <translation>客户端：{0} · 扩展：{1} · 配对请求：{2}</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Server stopped</source>
        <translation>服务器已停止</translation>
    </message>
    <message>
        <source>Server not running (start failed)</source>
        <translation>服务器未运行（启动失败）</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>NewAge Desktop</source>
        <translation>NewAge Desktop</translation>
    </message>
    <message>
        <source>⚠ networkSafe is ON: no authentication</source>
        <translation>⚠ networkSafe 已开启：不进行身份验证</translation>
    </message>
</context>
<context>
    <name>TrustDialog</name>
    <message>
        <source>Trust new client</source>
        <translation>信任新客户端</translation>
    </message>
    <message>
        <source>e.g. my-sillytavern</source>
        <translation>例如 my-sillytavern</translation>
    </message>
    <message>
        <source>Admin client (clientType monitor)</source>
        <translation>管理员客户端（clientType 为 monitor）</translation>
    </message>
    <message>
        <source>Client ID:</source>
        <translation>客户端 ID：</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>描述：</translation>
    </message>
    <message>
        <source>Trust and generate key</source>
        <translation>信任并生成密钥</translation>
    </message>
    <message>
        <source>The client is trusted and gets a new key, shown once. Give the key to the client; it is not stored in plain text.</source>
        <translation>该客户端将被信任并获得一个新密钥，密钥只显示一次。请把密钥交给客户端；服务器不会以明文保存它。</translation>
    </message>
    <message>
        <source>Not a valid client ID: 1–128 characters, none of / \ : * ? &quot; &lt; &gt; |, no control characters, not starting with a dot nor ending with a dot or space.</source>
        <translation>无效的客户端 ID：须为 1–128 个字符，不能包含 / \ : * ? &quot; &lt; &gt; | 或控制字符，不能以点开头，也不能以点或空格结尾。</translation>
    </message>
    <message>
        <source>%1 already has a key: the new key replaces it and its live sockets drop.</source>
        <translation>%1 已有密钥：新密钥将替换它，其现有连接将被断开。</translation>
    </message>
</context>
</TS>
