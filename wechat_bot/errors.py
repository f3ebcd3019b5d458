"""Domain errors: services raise them; each edge maps them (HTTP status, reply text, exit 1)."""
from __future__ import annotations


class BotError(Exception):
    """A refusal or invalid input, with a message staff can read (Simplified Chinese)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(BotError):
    pass


class Invalid(BotError):
    pass


# -- WeChat API errors (added with wechat_bot/wechat_api.py) --------------------------
# Short staff-facing explanations of the WeChat errcodes we can meet.
# Sources: /work/shared/domain/wechat-platform.md §2.6 and the official global return codes.
_UPSTREAM_MESSAGES: dict[int, str] = {
    -2: "无法连接微信服务器或请求超时，请稍后再试",
    -1: "微信系统繁忙，请稍后再试",
    40001: "微信接口凭证无效（AppSecret 错误或 access_token 已失效），请核对公众号配置",
    40002: "凭证类型错误",
    40005: "文件格式不受支持",
    40006: "文件大小超出限制",
    40007: "素材 media_id 无效（可能已被使用、删除或类型不对）",
    40009: "图片大小或格式不符合要求（封面缩略图须为不超过64KB的JPG）",
    40013: "AppID 无效，请核对公众号配置",
    40014: "access_token 无效",
    40125: "AppSecret 无效，请核对公众号配置",
    40164: "服务器 IP 不在公众号的 IP 白名单中，请在公众平台添加",
    40243: "AppSecret 已被冻结，请在公众平台解冻",
    41001: "缺少 access_token",
    42001: "access_token 已过期",
    43001: "该接口需要 GET 请求",
    43002: "该接口需要 POST 请求",
    44003: "图文内容为空",
    44004: "正文内容为空",
    45002: "内容超出长度限制",
    45003: "标题过长（不超过32个字）",
    45004: "摘要过长（不超过128个字）",
    45005: "原文链接过长",
    45008: "图文篇数超出限制（每次最多8篇）",
    45009: "该接口今日调用次数已达上限，请明天再试",
    45011: "接口调用过于频繁，请稍后再试",
    45015: "已超过48小时回复时限（或用户已取消关注），无法再向该用户发送客服消息",
    45028: "群发次数已用完（订阅号每天1次，服务号每月4次）",
    45047: "发给该用户的客服消息已达条数上限，需等用户再次留言",
    45065: "该群发已提交过（clientmsgid 重复），不会重复发送",
    45066: "群发重试过快，请1分钟后再试",
    45067: "clientmsgid 过长",
    45103: "该接口已被微信下线",
    45110: "作者名过长（不超过16个字）",
    45166: "正文含有不支持的内容（如外部链接）",
    46003: "公众号菜单不存在",
    47001: "请求数据格式错误",
    48001: "公众号没有该接口权限（例如未认证），请在公众平台完成认证",
    89503: "微信要求管理员确认此次调用（风险IP），请在手机微信上确认后重试",
}


class UpstreamError(BotError):
    """WeChat answered with an error (``errcode``), or could not be reached (-2)."""

    def __init__(self, errcode: int, errmsg: str, message: str | None = None) -> None:
        self.errcode = int(errcode)
        self.errmsg = errmsg
        super().__init__(message or upstream_message(self.errcode, errmsg))

    def __repr__(self) -> str:
        return f"UpstreamError({self.errcode}, {self.errmsg!r})"


def upstream_message(errcode: int, errmsg: str = "") -> str:
    """The staff-facing text for a WeChat errcode."""
    known = _UPSTREAM_MESSAGES.get(errcode)
    if known:
        return known
    if 40016 <= errcode <= 40027:
        return "菜单格式不符合微信要求（按钮个数、名称或链接长度）"
    return f"微信接口返回错误 {errcode}：{errmsg}"
