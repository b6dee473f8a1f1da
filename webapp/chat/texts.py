"""Every text the web chat page shows on its own (the dialogue's texts come from Rasa).

`PAGE` fills the HTML template; `SCRIPT` goes to the page's script by key; the rest are
answers of the upload endpoint (`message_zh`) and the note the conversation gets after an
upload.
"""

PAGE = {
    "title": "理赔报案助手",
    "subtitle": "在线报案 · 进度查询 · 材料指导",
    "placeholder": "请输入您的问题，例如：我要报案",
    "send": "发送",
    "attach": "上传材料",
    "agent_banner": "人工客服已接入，正在为您服务",
    "noscript": "请开启浏览器的 JavaScript 后使用在线客服。",
}

SCRIPT = {
    "connecting": "正在连接…",
    "online": "在线",
    "reconnecting": "连接中断，正在重新连接…",
    "welcome": "您好，我是理赔报案助手，可以帮您报案、查询理赔进度、说明需要准备的材料。请直接输入您的问题，或点击下方的选项。",
    "typing": "正在输入",
    "uploading": "上传中…",
    "uploaded": "已上传",
    "upload_failed": "上传失败",
    "too_large": "文件太大了：单个文件不能超过10MB，请压缩后再上传。",
    "wrong_type": "只能上传 JPG、PNG 格式的图片或 PDF 文件，请换一个文件再试。",
    "network_error": "网络好像不太稳定，文件没有上传成功，请稍后再试。",
    "agent": "人工客服",
    "assistant": "理赔助手",
    "you": "我",
    # Same payloads as the WeChat menu (channels/wechat/menu.py).
    "quick_start": [
        {"title": "我要报案", "payload": "/report_claim"},
        {"title": "查询理赔进度", "payload": "/query_status"},
        {"title": "需要准备什么材料", "payload": "/ask_materials"},
        {"title": "转人工客服", "payload": "/request_human"},
    ],
}

UPLOAD_NO_CLAIM = "请先完成报案，拿到报案号后再上传材料；如需为以前的案件补充材料，请联系人工客服。"
UPLOAD_NO_FILE = "没有收到文件，请重新选择要上传的图片或 PDF 文件。"
UPLOAD_BAD_SESSION = "会话已失效，请刷新页面后再试。"
UPLOAD_UNAVAILABLE = "系统有点忙，文件暂时没有上传成功，请稍后再试。"
UPLOAD_RECORDED = "已收到您上传的材料《{filename}》，已登记到报案号 {report_no}。"
