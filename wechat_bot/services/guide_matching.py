"""Matching a citizen's message to a guide, and spotting emergencies and requests for staff.

Everything here is pure and works on normalised text (see ``textnorm.normalize``).

How a message is matched:

1. A lexicon maps the words citizens use (身份证/身分证/二代证, 丢了/掉了/遗失, 上户口/落户,
   驾照/驾驶本 …) to *concepts*: subjects (what the matter is about), intents (what
   happened or what they want) and context (a child, a death, another city …). A word
   may also match with one character off when it sounds the same (户照 → 护照) or, for
   long words, with one character wrong or missing.
2. Every guide's title, aliases and examples go through the same lexicon once, when the
   catalogue loads: each becomes an *entry* of weighted concepts plus the character
   bigrams of whatever the lexicon did not cover.
3. A message scores each guide by its best entry: a weighted Tversky overlap, where what the
   message says and the entry lacks costs more than the reverse, an entry about none of the
   subjects the message names is marked down, and a guide whose title and aliases are about
   what the message names gets a little more. A clear winner is the answer; close scores give
   a numbered choice; low scores, or a message naming nothing the catalogue covers, no guide.

Emergencies (danger now, with the number to call) and requests for staff are recognised by
the rules at the end of this module; ``guides.answer`` applies them before any guide.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from wechat_bot.services.textnorm import normalize, same_sound

# --- lexicon ----------------------------------------------------------------------------
# One line per concept: NAME weight: surface forms (normalised: simplified, lowercase).
# A surface listed under several concepts emits all of them.
_LEXICON = """
S_IDCARD 3: 身份证 身份 临时证 !补办身份证 !补身份证 !补个身份证 !换身份证 !换个身份证 !换新身份证 !补办理身份证 身份证件 居民身份证 二代证 二代身份证 身分证 身份证号 sfz 身证 身份证明书 首次办证 第一次办证 头一次办证 初次办证
S_HUKOU 2: 户口 !上户口 !报户口 !登记户口 !上个户口 !报个户口 !办户口 户籍 户口登记 户籍登记 户头 户籍地 户口所在地 户籍所在地
S_HUKOUBOOK 3: 户口本 户口簿 户口薄 户口册 户籍本 户籍簿 户口本子 户口首页 户主页 户口本首页
S_PASSPORT 3: 护照 因私护照 普通护照 passport
S_HKMO 3: 港澳 香港 澳门 港澳通行证 往来港澳通行证 港澳证 港澳台通行证 港珠澳 去港 赴港 赴澳
S_TAIWAN 3: 台湾 赴台 去台 入台 大通证 台湾通行证 往来台湾通行证 台胞 金门 马祖 宝岛
S_PERMIT_DOC 1: 通行证 证件 证
S_NOCRIME 3: 无犯罪 无犯罪记录 无犯罪证明 无犯罪记录证明 犯罪记录 !无违法犯罪 !无违法犯罪记录 !违法犯罪记录 !违法犯罪 良民证 无刑事 有无犯罪 犯罪证明 无犯罪纪录 政审证明
S_PROOF 2: 证明 开证明 开个证明 出证明 出具证明 开具证明 证明材料 证明信
S_KIN 3: 亲属关系 亲属关系证明 关系证明 亲属证明 亲子关系证明 母子关系 母女关系 父子关系 父女关系 直系亲属 家庭关系 我妈是我妈 证明我妈 户籍证明 户口证明 同一人 同一个人 是同一人 曾用名证明 户籍信息证明 户籍状况
S_RESIDENCE 3: 居住证 暂住证 暂住 居住登记 暂住登记 流动人口 居住证明 外来人口
S_HOTEL 3: 旅馆 宾馆 酒店 民宿 客栈 招待所 旅店 旅社 住宿业 青旅 青年旅舍 农家乐 旅馆业 日租房 公寓式酒店
S_SPECIAL 2: 特种行业 特行 特种行业许可 特种行业许可证 特行许可
S_FIREWORKS 3: 烟花 爆竹 鞭炮 炮仗 焰火 礼花 花炮 礼炮 冷焰火 烟花爆竹 放炮 放鞭炮 放烟花 炮竹 二踢脚 大型焰火 焰火晚会 烟火晚会
S_GUARD 3: 保安 保安员 保安证 保安员证 保安上岗证 保安资格 当保安 门卫 安保
S_TOXIC 3: 剧毒 剧毒化学品 危险化学品 危化品 化学品 !易制毒 !易制毒化学品 氰化钠 氰化钾 氰化物 砒霜 硫酸 盐酸 高锰酸钾 丙酮 甲苯 乙醚 硝酸 三氯甲烷 危险品 剧毒品 毒害品 化工原料
S_DRIVING 3: 驾照 驾驶证 驾驶本 驾本 驾证 驾驶执照 驾照本 车本 驾驶员证 机动车驾驶证 驾驶照 驾龄 a照 b照 c照 c1 c2 b2 a2 a1
S_VEHICLE 1.5: 车 汽车 新车 车辆 机动车 摩托车 摩托 电动车 电瓶车 三轮车 货车 小车 轿车 二手车 面包车 挂车 私家车 小汽车 电动自行车 皮卡 客车 车子
S_PLATE 3: 车牌 号牌 牌照 上牌 挂牌 临牌 临时牌照 临时号牌 选号 车牌号 上牌照 挂牌照 打牌照 上户 车辆上户 车上户 绿牌 新能源牌
S_VREG 3: 行驶证 登记证书 机动车登记证书 绿本 大绿本 机动车登记 车辆登记 注册登记 过户 转移登记 年检 年审车 车辆年审 车检 检验合格标志 抵押登记 解除抵押 检验标志 新车登记 上牌照登记 提车 新买的车 刚买的车 买了新车 买了辆车 买了个车 买车 车辆上牌 车登记 车子登记
I_VIOLATION 3: 违章 违法记录 交通违法 违法行为 违规 罚单 罚款 扣分 记分 扣了分 扣了 闯红灯 超速 违停 乱停 违章停车 违法停车 贴条 贴罚单 被拍 拍到 拍了 电子眼 抓拍 探头 酒驾 醉驾 没戴头盔 不戴头盔 压线 逆行 满分 记满 12分 滞纳金 交通罚款 违法处理 处理违章 罚了 开罚单 扣分了 分扣 未系安全带 超载 无证驾驶 闯禁行 不礼让行人 违章处理 违章记录
C_TRAFFIC 1.5: 交通 交警 交管 车管所 车管 交警队 交警大队 开车 驾车 12123 交管12123 交管局 车驾管
I_ACCIDENT_ADMIN 2.5: 车祸 交通事故 撞车 追尾 剐蹭 刮蹭 事故认定 认定书 责任认定 事故责任 快处快赔 理赔 事故处理 事故证明 事故调解 交通事故认定书 事故
S_REPORT 3: 报案 报警 立案 网上报警 网上报案 在线报警 报案回执 报个案 报失 备案报警 警情 网络报警
C_PROPERTY 1.5: 手机 钱包 电动车被偷 自行车 包 钱 现金 财物 东西 摩托车被偷 电瓶 首饰 金项链 银行卡 家里被盗
I_THEFT 3: 被偷 偷了 被盗 失窃 偷走 被人偷 小偷 盗窃 偷东西 扒窃 被扒 入室盗窃 家里被偷
S_FRAUD 3: 被骗 骗子 诈骗 电诈 电信诈骗 网络诈骗 骗了 骗钱 刷单 杀猪盘 网贷 贷款诈骗 冒充 中奖 退款 客服退款 反诈 国家反诈中心 反诈中心 96110 裸聊 骗局 上当 假警察 公检法 投资理财 网恋 被坑 被套路 套路贷 游戏账号 兼职 刷信誉 骗走 被诈骗 受骗 上当受骗 诈骗电话 诈骗短信 骗 冒充客服 冒充领导 钓鱼链接 洗钱 帮信 跑分 出租银行卡 卖银行卡 安全账户 保证金
S_COMPLAINT 3: 投诉 举报 监督 不作为 不管不问 不闻不问 没人管 不理不睬 推来推去 踢皮球 拖着不办 乱作为 态度差 态度不好 态度恶劣 服务态度 乱收费 吃拿卡要 12389 督察 警务督察 信访 上访 差评 表扬 锦旗 感谢信 意见 建议 反映问题 反映情况 反映一下 不服 复议 行政复议 申诉 徇私枉法 索贿 受贿 刁难 推诿 打官腔 粗暴执法 违规执法 执法不公 纪委 检举 揭发
C_CLUE 2: 赌博 吸毒 贩毒 卖淫 嫖娼 传销 涉黑 涉恶 黑恶 线索 聚赌 赌场 毒品 黄赌毒 非法集资 黑社会 放高利贷 高利贷 制毒 种罂粟 窝点 有人赌 有人吸 赌钱 开赌场 设赌 聚众赌博 卖毒品 吸冰毒 溜冰 容留 色情 招嫖 组织卖淫 拉人头 团伙 犯罪线索 违法犯罪 私藏 土枪 枪支 藏枪 非法持枪 管制刀具 偷猎 盗伐 电鱼 炸鱼 收赃 销赃
S_CONTACT 2.5: 地址 办公电话 单位电话 电话号 联系我们 你们在哪 你们单位在哪 你们在什么地方 你们电话 联系方式 联系电话 电话号码 电话多少 电话是多少 上班时间 办公时间 几点上班 几点下班 几点开门 几点关门 营业时间 开门时间 作息时间 办公地点 办公地址 咨询电话 值班电话 办事时间 对外办公 周末上班 上班吗 开门吗 办公吗 联系你们 怎么联系 电话多少号 下班时间 上班 下班
C_CONTACT 2: 在哪 在哪里 在哪儿 在什么地方 位置 哪条街 怎么走 怎么去 工作时间 周六 周日 星期六 星期天 周末 节假日 午休 中午 办事吗 联系 电话 号码 几点 开门 时间表 放假
C_BUREAU 2: 车管所 交警队 交警大队 出入境管理 办业务 办理业务 办事 办证 公安局 派出所 户政大厅 户籍窗口 户政窗口 服务大厅 办证大厅 办事大厅 政务大厅 政务中心 便民服务中心 你们单位 你们局 县局 公安 警务室 你们那 户籍室 户政科 出入境大厅 窗口
I_LOST 2.5: 丢 掉咯 掉啦 丢咯 丢啦 找不着 弄掉 搞掉 遗失了 丢了 丢失 遗失 掉了 弄丢 搞丢 丢掉 不见了 找不到 没找到 弄没了 没了 落在 遗落 丢哪 掉哪 掉在 忘在 挂失 丢啦 弄不见 搞不见 没有了
I_REISSUE 2: 补 !补办身份证 !补身份证 !补个身份证 !补办理身份证 补办 补领 补证 补发 重办 重新办 重新办理 补一个 补个 补一张 补张 再办 补做 补回 补换
I_DAMAGE 2.5: 坏了 损坏 破损 破了 烂了 断了 折断 消磁 芯片 读不出 刷不出 磨损 看不清 模糊 洗了 掰断 弯了 裂了 污损 磨花 磨掉 花了 坏掉 折了 弄坏 裂开 掉漆 划花 不能用 用不了 脱落 照片掉了 刷不了 识别不了 剪了 剪坏 剪破 口子 划破 撕了 撕坏 咬坏 咬烂 泡水 泡了水 烧坏 烧了个洞 褪色 变形 压坏 摔坏 两半 剪成 剪断 撕成 掰成
I_EXPIRE 2.5: 到期 过期 期满 快到期 有效期 失效 超期 逾期 到日子 有效期满 已过期 过了有效期 期限到 到了期限 年限到了 快过期 要过期 过期了 有效期到了 满期 满十年 满十五 满20年 到年限
I_RENEW 2: 换 !换身份证 !换个身份证 !换新身份证 换证 换领 换发 换新 更换 换个 换本 换一个 换新的 换一张 换一本 换驾照 换身份证 审验 年审 换新证
I_APPLY 1: 办身份证 办理身份证 办个身份证 领身份证 申请身份证 做身份证 办一个身份证 办张身份证
I_FIRST 2.5: 首次 第一次 初次 头一次 新办 没办过 从来没办 还没有 没有办过 满16 满十六 16岁 十六岁 十六周岁 16周岁 未成年 未满16 不满16 申领 第一张 没有身份证 刚满 几岁 多大 多少岁 年龄 岁 成年 上初中 初中生 高中生 中学生 学生 十四岁 14岁 十四周岁 14周岁 满14 满十四 从没办过 还没办过 一直没办
I_TEMP 3: 临时 急用 着急用 急需 赶火车 坐火车 坐高铁 坐飞机 乘火车 乘高铁 乘飞机 登机 乘车 赶飞机 高考 考试要用 明天要用 来不及 等不及 临时用 先用着 临时的 应急 急着
C_ELSEWHERE 2: 外地 !不回老家 !不用回老家 !不想回老家 !回不了老家 !没法回老家 不回去 异地 跨省 外省 省外 在外 不在老家 不在户籍地 户籍地以外 户籍地外 打工 务工 在外面 在外地 外出 异地办理 回不去 回不了 外县 外市 北京 上海 天津 重庆 广州 深圳 杭州 南京 苏州 成都 武汉 西安 郑州 长沙 东莞 佛山 宁波 厦门 福州 青岛 济南 合肥 昆明 贵阳 兰州 银川 乌鲁木齐 新疆 宝鸡 咸阳 四川 甘肃 广东 浙江 江苏 福建 河南 湖北 山东 山西 河北 云南 贵州 陇南 内蒙古 宁夏 青海 西藏 海南 江西 湖南 安徽 广西 辽宁 吉林 黑龙江 天水 在广州 在深圳 在西安 就地 就近 全国通办 跨省通办 异地通办 省内通办 在读大学 外省上学
C_LOCAL 1.5: 略阳 本地 本县 我们县 县城 我们这 这里 这边 老家 回老家 回略阳 回来 回到
I_BIRTH 3: 出生 刚生 生了 生娃 生孩子 生小孩 新生儿 出生证 出生证明 出生医学证明 满月 出世 刚出生 生的 生下 生完 出生登记 报出生 新生 生产 刚生的 生了个 生了一个 生宝宝 添了 出生医学证 刚满月 超生 二胎 三胎 双胞胎 非婚生 未婚生 未婚先孕 私生子 非婚生育 领养 收养 抱养 捡的孩子 捡来的孩子 弃婴
C_CHILD 2: 小孩 孩子 娃 娃娃 宝宝 婴儿 儿子 女儿 闺女 小朋友 孙子 孙女 外孙 外孙女 小宝 崽 小娃 娃儿 宝贝 新生儿 孩 子女 小孩子 小子 丫头
I_DEATH 3: 去世 死亡 过世 死了 病故 离世 逝世 病逝 不在了 人走了 老人走了 奶奶走了 爷爷走了 人没了 老人没了 殁了 火化 殡葬 丧葬 死亡证明 死亡医学证明 火化证明 殡仪馆 亡故 身故 已故 去逝 死者 逝者
I_CANCEL 3: 注销 销户 销掉 消户 注销户口 去掉户口 户口注销 户口销了 销户口 取消户口 撤销户口
C_ELDER 1: 老人 老人家 爷爷 奶奶 外公 外婆 姥姥 姥爷 父亲 母亲 爸爸 妈妈 老爸 老妈 我爸 我妈 家属 亲人 老伴 公公 婆婆 老父亲 老母亲 长辈
I_REGISTER 2: !上户口 !报户口 !登记户口 !上个户口 !报个户口 !办户口 黑户 补录 补录户口 无户口 没有户口 没户口 落不了户 上不了户口 户口登记 户口怎么上 户口咋上 户口怎么报 户口咋报 户口要怎么上
I_MOVE 2: 迁 迁到 迁去 迁移 迁户口 转户口 户口转 户口迁 户口挪 挪户口 户口移 迁户 户口迁移 转户籍 迁户籍 户口转移 户籍迁移 移户口
I_IN 2.5: 迁入 嫁过来 娶过来 怎么落 户口落 落哪 迁到我家 迁到家里 迁我家 迁进来 迁到我这 迁到我们家 迁到我户口 迁到我名下 迁过来 落户 迁进 迁回 迁来 入户 投靠 随迁 迁到略阳 迁过来 迁回来 迁回老家 落户口 落到 迁入地 准迁证 准予迁入 进户口 挂靠 集体户 落在 迁到这 迁到我们 迁到本地 回原籍 落户略阳 迁入略阳 恢复户口 户口恢复 迁回原籍 !夫妻投靠 !父母投靠 !子女投靠 !投靠子女 !投靠父母 !投靠配偶 !投靠儿子 !投靠女儿 人才引进 买房落户 购房落户 上进去 加进 加到 加上 加入户口 添加 加个人 迁入本县
I_OUT 2.5: 迁出 嫁出去 嫁到外地 迁走 迁往 迁到外地 迁移证 户口迁移证 跨省迁移 迁出去 迁外地 转出 转走 迁离 迁出地 迁出证明 迁到西安 迁到汉中 迁到外省 迁到老公 迁到老婆 迁到婆家 迁到男方 迁到女方 迁到单位 迁到学校 学校集体户 迁到城里 迁到市里 去外地落户 跟着去
I_CHANGE 2.5: 改名 改名字 更名 改姓 改 更正 变更 修改 写错 错了 错误 不一致 不对 有误 改年龄 改生日 改出生 改民族 改性别 曾用名 改一下 改过来 更改 纠正 重新登记 改小 改大 弄错 登错 登记错 信息错误 信息有误 对不上 不符 改正
C_FIELD 2: 改名 改名字 更名 改姓 姓名 名字 !出生日期 !出生年月 !出生年月日 生日 年龄 民族 性别 籍贯 !出生地 文化程度 婚姻状况 职业 服务处所 姓 名 身份证号码 号码错 字写错 生辰
C_MARRIAGE 1.5: 结婚 嫁 娶 媳妇 老婆 丈夫 老公 夫妻 离婚 配偶 嫁到 嫁过来 嫁出去 婆家 娘家 外嫁 入赘 上门女婿 对象 爱人
C_STUDY 1.5: 上学 读书 大学 考上 录取 毕业 学校 入学 读大学 考大学 大学生 毕业生 研究生 中专 技校 参军 入伍 退伍 当兵 服兵役 复员 转业 读研 就学 升学
C_HOUSE 1.5: 买房 房产 购房 房子 房产证 不动产 商品房 租房 租的房 房屋 住房 买了房 宅基地 搬家 搬到 住址
C_WORK 1.5: 工作 上班 就业 单位 公司 劳动合同 社保 打工 务工 做生意 经商 工地
C_JOB 2: 考公 考编 公务员 入职 应聘 找工作 政审 教师资格 考教师 网约车 出租车 滴滴 出国工作 劳务派遣 出国劳务 征兵 当兵 参军 入伍 考研 事业单位 国企 银行 招聘 面试 录用 单位要 公司要 单位让开 公司让开 保安公司 外派 驾驶员 快递员 外卖员 幼师 老师 护士 医生 辅警 考警察 当兵政审 报考 求职 上岗
C_ABROAD 2: 出国 出境 国外 境外 留学 出国旅游 出国留学 去国外 外国 日本 韩国 泰国 美国 欧洲 新加坡 马来西亚 越南 出国打工 签证 旅行 移民 护照签证 出国探亲 申根 英国 澳大利亚 加拿大 俄罗斯 东南亚
I_ENDORSE 2.5: 签注 续签 再签 加签 港澳签注 个人游 自由行 团队游 团签 个签 探亲签注 商务签注 一年多次 多次往返 一次有效 二次有效 签一次 签两次 g签 l签 s签 探亲
C_TRIP 1: 旅游 旅行 去玩 玩 探亲 商务 出差 读书 看病 自由行 跟团
I_BUY 1.5: 购买 买 购 采购 购进 进货 买卖 经营 销售 卖 批发
I_TRANSPORT 2: 运输 运 拉货 运送 道路运输 运输许可 运输证 运输许可证 道路运输通行证 拉一车 押运 托运 物流 货运 配送
I_IGNITE 2: 燃放 放 点 燃放许可 燃放审批 大型燃放 焰火燃放 婚礼 开业 庆典 过年 春节 除夕 红白喜事 结婚放 丧事 活动 晚会
I_LICENSE 1.5: 许可 许可证 审批 批准 资质 执照 营业执照 经营许可 行政许可 批文 办证 证照 手续 开业 开张 开店 开一家 开个 开办 经营 营业
I_EXAM 1.5: 考试 考 科目一 科目二 科目三 科目四 学车 驾校 报名 培训 考核 上岗 资格证 考证
Q_FEE 0.7: 多少钱 费用 收费 要钱 免费 收钱 价格 几块钱 工本费 花多少 多钱 贵不贵 钱 费 收不收费 要不要钱 交钱 缴费 多少费用
Q_TIME 0.5: 多久 几天 多长时间 多少天 什么时候 时限 时间 多快 当天 加急 快点 能拿到 几个工作日 工作日 周期 办好 拿证
Q_MATERIAL 0.5: 材料 !需要户口本 !要户口本 !带户口本 !拿户口本 !用户口本 !需要身份证 !要身份证 !带身份证 !拿身份证 !需要户口簿 !带户口簿 !带上户口本 !带上身份证 带什么 需要什么 要什么 手续 资料 准备什么 提供什么 拿什么 带啥 要啥 需要啥 要哪些 哪些东西 证件 照片 相片 证件照
Q_WHERE 0.7: 在哪 在哪里 哪里办 去哪 去哪里 去哪儿 哪儿办 哪个部门 什么地方 到哪 到哪里 在哪办 哪办 哪个窗口 哪里可以 找谁 找哪个 在哪儿 哪里 哪儿 窗口 部门
Q_ONLINE 1: 网上 在线 线上 手机上 小程序 app 公众号 网上办 网上申请 不用去 不用跑 邮寄 快递 寄 代办 别人代办 委托 代领 代替 帮忙办 帮我办 替我 亲自
"""

# Question-type concepts help rank within a subject but never make a match on their own.
_WEAK = frozenset({"Q_FEE", "Q_TIME", "Q_MATERIAL", "Q_WHERE", "Q_ONLINE", "C_TRIP", "S_PERMIT_DOC"})
# Pairs that together do (改 + 名字, 公安局 + 在哪).
_ANCHOR_PAIRS = (
    ("I_CHANGE", "C_FIELD"), ("C_BUREAU", "C_CONTACT"), ("C_BUREAU", "Q_WHERE"),
    ("C_BUREAU", "Q_TIME"), ("C_CHILD", "I_FIRST"), ("C_ELDER", "I_CANCEL"),
    ("C_ELSEWHERE", "C_WORK"), ("C_PROPERTY", "I_LOST"),
)
# Concepts that on their own show the message is about a guide's matter.
_ANCHORS = frozenset({
    "S_IDCARD", "S_HUKOU", "S_HUKOUBOOK", "S_PASSPORT", "S_HKMO", "S_TAIWAN", "S_NOCRIME", "S_KIN",
    "S_RESIDENCE", "S_HOTEL", "S_SPECIAL", "S_FIREWORKS", "S_GUARD", "S_TOXIC", "S_DRIVING",
    "S_PLATE", "S_VREG", "S_REPORT", "S_FRAUD", "S_COMPLAINT", "S_CONTACT", "S_PROOF",
    "I_VIOLATION", "I_ACCIDENT_ADMIN", "I_THEFT", "I_BIRTH", "I_DEATH", "I_CANCEL", "I_MOVE",
    "I_IN", "I_OUT", "I_ENDORSE", "C_CLUE", "C_ABROAD", "I_REGISTER",
})


def names_matter(feats: "Features") -> bool:
    """Whether the message names a matter of its own (护照, 上户口, 被偷), not just a part of
    one (多少钱, 在哪, 周末上班吗): a follow-up that names none is answered from the context."""
    found = feats.concepts
    if any(c in _ANCHORS and c != "S_CONTACT" for c in found):
        return True
    return any(a in found and b in found for a, b in _ANCHOR_PAIRS if a != "C_BUREAU")


def _parse_lexicon(text: str) -> tuple[dict[str, tuple[str, ...]], dict[str, float], frozenset[str]]:
    surfaces: dict[str, list[str]] = defaultdict(list)
    weights: dict[str, float] = {}
    exclusive: set[str] = set()
    for line in text.strip().splitlines():
        head, _, body = line.partition(":")
        name, weight = head.split()
        weights[name] = float(weight)
        for surface in body.split():
            # written already normalised (simplified, lowercase): no converter needed at import
            if surface.startswith("!"):
                surface = surface[1:].lower()
                exclusive.add(surface)
            else:
                surface = surface.lower()
            if surface and name not in surfaces[surface]:
                surfaces[surface].append(name)
    return {s: tuple(c) for s, c in surfaces.items()}, weights, frozenset(exclusive)


# A word marked "!" hides the words inside it (出生日期 is not about a birth).
SURFACES, WEIGHTS, EXCLUSIVE = _parse_lexicon(_LEXICON)
_MAXLEN = max(len(s) for s in SURFACES)


_TYPO_PRONE = frozenset({
    "户口", "补办", "补领", "换证", "签注", "落户", "迁出", "迁入", "驾证", "注销", "过期", "到期",
    "丢失", "遗失", "挂失", "罚款", "证明",
})


def _fuzzy_tables() -> tuple[dict[str, list[tuple[str, int]]], dict[str, str]]:
    """Keys for one-character-off matching: substitution ("身份?") and deletion."""
    subst: dict[str, list[tuple[str, int]]] = defaultdict(list)
    dele: dict[str, str] = {}
    for surface, concepts in SURFACES.items():
        weight = max(WEIGHTS[c] for c in concepts)
        if weight < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in surface):
            continue
        n = len(surface)
        # two-character words only for subjects and a few words often mistyped: a real
        # word one sound away is too likely otherwise (登记 is not 登机)
        if n < 2 or (n == 2 and weight < 3 and surface not in _TYPO_PRONE) or surface in ("登机",):
            continue
        for k in range(n):
            subst[surface[:k] + "?" + surface[k + 1:]].append((surface, k))
        if n >= 4:
            for k in range(1, n - 1):  # inside the word: a missing first or last is another word
                shorter = surface[:k] + surface[k + 1:]
                if shorter not in SURFACES:
                    dele.setdefault(shorter, surface)
    return dict(subst), dele


_SUBST, _DELE = _fuzzy_tables()
_FUZZY_FACTOR = 0.85


@dataclass
class Features:
    concepts: dict[str, float] = field(default_factory=dict)
    residue: str = ""  # the text with every character the lexicon covered replaced by "|"

    @property
    def strong(self) -> bool:
        """Whether the message is about something the catalogue covers: a subject or a
        specific event, or at least two ordinary concepts together (改 + 名字)."""
        found = self.concepts
        if any(c in _ANCHORS for c in found):
            return True
        return any(a in found and b in found for a, b in _ANCHOR_PAIRS)


def extract(norm: str) -> Features:
    """Concepts (with weights) found in normalised text, plus the uncovered residue.

    Every lexicon word found counts, overlapping or nested (换身份证 gives 换 and 身份证),
    except words inside a word marked exclusive (出生 inside 出生日期).
    """
    feats = Features()
    concepts = feats.concepts
    n = len(norm)
    found: list[tuple[int, int, tuple[str, ...], float]] = []
    shadows: list[tuple[int, int]] = []
    for i in range(n):
        for length in range(min(_MAXLEN, n - i), 0, -1):
            piece = norm[i:i + length]
            names = SURFACES.get(piece)
            if names is not None:
                found.append((i, i + length, names, 1.0))
                if piece in EXCLUSIVE or length >= 2:
                    shadows.append((i, i + length))
    if shadows:
        # single characters (补, 证, 车 …) count only standing alone; longer words only
        # disappear inside an exclusive word
        found = [m for m in found
                 if not any(a <= m[0] and m[1] <= b and (a, b) != (m[0], m[1])
                            and (m[1] - m[0] == 1 or norm[a:b] in EXCLUSIVE) for a, b in shadows)]
    covered = bytearray(n)
    for start, end, _, _ in found:
        covered[start:end] = b"\x01" * (end - start)
    for j in range(n):
        if not covered[j] and "\u4e00" <= norm[j] <= "\u9fff":
            hit = _fuzzy_at(norm, j, covered)
            if hit is not None:
                start, length, names = hit
                found.append((start, start + length, names, _FUZZY_FACTOR))
                covered[start:start + length] = b"\x01" * length
    for _, _, names, factor in found:
        for name in names:
            w = WEIGHTS[name] * factor
            if w > concepts.get(name, 0.0):
                concepts[name] = w
    feats.residue = "".join(ch if not covered[j] else "|" for j, ch in enumerate(norm))
    return feats


def _fuzzy_at(norm: str, j: int, covered: bytearray) -> tuple[int, int, tuple[str, ...]] | None:
    """A lexicon word with one character off, the odd one being the uncovered character at
    ``j`` (户籍正明 → 户籍证明); that character must not belong to a word already found
    (去泰国 is not 去台). Returns (start, length, concepts)."""
    n = len(norm)
    for length in range(min(8, n), 1, -1):
        for start in range(max(0, j - length + 1), min(j, n - length) + 1):
            piece = norm[start:start + length]
            k = j - start
            for surface, _ in _SUBST.get(piece[:k] + "?" + piece[k + 1:], ()):
                # a wrong character in the middle of a long word, or one that sounds the same
                if (length >= 4 and 0 < k < length - 1) or same_sound(piece[k], surface[k], length == 2):
                    return start, length, SURFACES[surface]
    for length in range(min(7, n), 2, -1):  # one character missing from a long word
        for start in range(max(0, j - length + 1), min(j, n - length) + 1):
            piece = norm[start:start + length]
            if piece in _DELE:
                return start, length, SURFACES[_DELE[piece]]
    return None


def _bigrams(residue: str) -> set[str]:
    return {residue[j:j + 2] for j in range(len(residue) - 1) if "|" not in residue[j:j + 2]}


# --- index --------------------------------------------------------------------------------

@dataclass
class Entry:
    guide_id: str
    text: str
    total: float
    subjects: frozenset[str] = frozenset()


@dataclass
class Index:
    guide_ids: list[str]
    entries: list[Entry]
    postings: dict[str, list[tuple[int, float]]]  # feature -> (entry, weight)
    bigram_weight: dict[str, float]
    core: dict[str, frozenset[str]]  # guide -> the concepts its title and aliases are about
    order: dict[str, int]            # tie-break: the commoner matter first


# When scores tie (a message naming only 身份证), the matters people ask about most come first.
PRIORITY = (
    "idcard-reissue", "idcard-first", "idcard-renew", "birth-registration", "hukou-book",
    "hukou-move-in", "hukou-move-out", "license-renew", "traffic-violation", "passport",
    "hk-macau", "no-crime-proof", "idcard-temp", "idcard-nonlocal", "hukou-cancel", "hukou-change",
    "hukou-proof", "residence-permit", "vehicle-register", "report-online", "anti-fraud",
    "contact", "complaint", "taiwan", "hotel-license", "fireworks", "guard-license",
    "toxic-chemical",
)
CORE_BONUS = 0.06


_BIGRAM_SCALE = 0.6
ALPHA = 0.7  # weight of the message's features the entry does not have
BETA = 0.3   # weight of the entry's features the message does not have
SUBJECT_MISS = 0.7  # an entry about none of the things the message names


def build_index(guides) -> Index:
    """Index every guide's title, aliases and examples (done once, at catalogue load)."""
    raw: list[tuple[str, str, Features, set[str]]] = []
    core: dict[str, frozenset[str]] = {}
    for g in guides:
        names = [extract(normalize(t)).concepts for t in (g.title, *g.aliases) if normalize(t)]
        counts: dict[str, int] = defaultdict(int)
        for concepts in names:
            for c in concepts:
                if c not in _WEAK:
                    counts[c] += 1
        core[g.id] = frozenset(c for c, k in counts.items() if k * 2 >= len(names))
        for text in (g.title, *g.aliases, *g.examples):
            norm = normalize(text)
            if not norm:
                continue
            feats = extract(norm)
            raw.append((g.id, text, feats, _bigrams(feats.residue)))
    # Bigrams of uncovered text, weighted by how few guides use them (function words fade out).
    guides_with: dict[str, set[str]] = defaultdict(set)
    for gid, _, _, grams in raw:
        for gram in grams:
            guides_with[gram].add(gid)
    n_guides = max(1, len({gid for gid, *_ in raw}))
    bigram_weight = {}
    for gram, owners in guides_with.items():
        idf = math.log(n_guides / len(owners))
        if idf > 0.7:
            bigram_weight[gram] = _BIGRAM_SCALE * min(idf, 3.0) / 3.0
    entries: list[Entry] = []
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for idx, (gid, text, feats, grams) in enumerate(raw):
        total = 0.0
        for name, w in feats.concepts.items():
            postings[name].append((idx, w))
            total += w
        for gram in grams:
            w = bigram_weight.get(gram)
            if w:
                postings["~" + gram].append((idx, w))
                total += w
        entries.append(Entry(gid, text, total, frozenset(c for c in feats.concepts if c.startswith("S_"))))
    ids = [g.id for g in guides]
    rank = {gid: i for i, gid in enumerate(PRIORITY)}
    order = {gid: rank.get(gid, len(PRIORITY) + i) for i, gid in enumerate(ids)}
    return Index(ids, entries, dict(postings), bigram_weight, core, order)


def score(index: Index, feats: Features) -> list[tuple[str, float]]:
    """(guide id, score in 0..1) for every guide that shares anything with the message, best first."""
    query: dict[str, float] = dict(feats.concepts)
    for gram in _bigrams(feats.residue):
        w = index.bigram_weight.get(gram)
        if w:
            query["~" + gram] = w
    if not query:
        return []
    q_total = sum(query.values())
    shared: dict[int, float] = defaultdict(float)
    for name, wq in query.items():
        for idx, we in index.postings.get(name, ()):
            shared[idx] += wq if wq < we else we
    subjects = {c for c in feats.concepts if c.startswith("S_") and c not in _WEAK}
    best: dict[str, float] = {}
    for idx, overlap in shared.items():
        entry = index.entries[idx]
        # Tversky: what the message says but the entry lacks costs more than the reverse.
        s = overlap / (overlap + ALPHA * (q_total - overlap) + BETA * (entry.total - overlap))
        if subjects and subjects.isdisjoint(entry.subjects):
            s *= SUBJECT_MISS  # 居住证丢了 is not about 身份证, however alike the rest
        if s > best.get(entry.guide_id, 0.0):
            best[entry.guide_id] = s
    # A little more for the guide whose title and aliases are about what the message names
    # (户口本 → the 户口本 guide rather than one that mentions it in an example).
    named = {c: w for c, w in feats.concepts.items() if c not in _WEAK}
    named_total = sum(named.values())
    if named_total:
        for gid in best:
            core = index.core.get(gid, ())
            best[gid] += CORE_BONUS * sum(w for c, w in named.items() if c in core) / named_total
    return sorted(best.items(), key=lambda kv: (-round(kv[1], 6), index.order[kv[0]]))


# Decision thresholds (tuned on the labelled set in bench/data/guides_eval.tsv).
T_NONE = 0.34      # below: no guide fits
T_SURE = 0.55      # above, with a margin: one clear answer
MARGIN = 0.10
CHOICE_SPAN = 0.22  # offer the guides within this distance of the best


@dataclass(frozen=True)
class Match:
    guide_id: str | None
    candidates: tuple[str, ...]  # () when one clear answer or nothing
    scores: tuple[tuple[str, float], ...]
    strong: bool  # the message mentions a subject the catalogue knows

    @property
    def confident(self) -> bool:
        return self.guide_id is not None and not self.candidates


def match(index: Index, norm: str, feats: Features | None = None) -> Match:
    feats = feats if feats is not None else extract(norm)
    ranked = score(index, feats)
    strong = feats.strong
    if not ranked or not strong or ranked[0][1] < T_NONE:
        return Match(None, (), tuple(ranked[:3]), strong)
    top, s1 = ranked[0]
    s2 = ranked[1][1] if len(ranked) > 1 else 0.0
    if s1 >= T_SURE and s1 - s2 >= MARGIN:
        return Match(top, (), tuple(ranked[:3]), strong)
    close = [gid for gid, s in ranked[:3] if s >= max(T_NONE, s1 - CHOICE_SPAN)]
    if len(close) == 1:
        return Match(top, (), tuple(ranked[:3]), strong)
    return Match(top, tuple(close), tuple(ranked[:3]), strong)


# --- emergencies ------------------------------------------------------------------------------

# Words that make a scary word non-urgent: law questions, prevention, paperwork, the past, fiction.
_ADMIN = re.compile(
    "处罚|罚款|怎么判|判几年|判多久|判刑|量刑|犯法|犯罪吗|什么罪|罪名|法律|规定|条例|许可|审批|申请|办理|证明|宣传|知识|"
    "拘留|坐牢|几天|罚多少|预防|防范|防止|防火|防盗|怎么防|如何防|演练|培训|讲座|认定|理赔|赔偿|赔多少|保险|调解|进度|进展|有结果|"
    "结果出来|出结果|去年|上个月|上周|上星期|前几天|几天前|以前|之前|几年前|那年|小时候|电视|电影|新闻|小说|游戏|"
    "昨天|前天|昨晚|上回|上次|我挂了|挂了电话|没有转|没转|"
    "梦见|梦到|如果|万一|假如|要是|会怎样|注意什么|注意事项|常识|案例|什么是|是什么意思|宣传日|隐患|检查|"
    "消防栓|灭火器|网上报|网上|在线|非紧急|回执|立案|备案|怎么写|作文|笑话|演习|模拟|保护令|离婚|起诉|打官司|律师"
)
_URGENT = re.compile(
    "正在|现在|马上|立刻|立即|快来|快点|赶紧|救命|救救|还在|一直在|就在|此刻|刚刚|刚才|急|求救|来人|快报警|"
    "怎么办啊|怎么办呀|咋办啊|帮帮我|帮帮忙|在打|在砍|在抢|在偷|在烧|在冒|有人在|门口|楼下|楼上|隔壁|对面|家里|"
    "我家|我们家|外面|路上|路口|这里|这边|街上|小区|村里|河边|桥上|楼顶"
)
_FAMILY = "(?:孩子|小孩|女儿|儿子|娃|孙子|孙女|外孙|老人|老婆|媳妇|妻子|丈夫|老公|爸|妈|奶奶|爷爷|姥姥|姥爷)"
_POLICE_WORDS = (
    "打架|斗殴|群殴|打群架|打起来|动手打|打人|砍人|捅人|杀人|行凶|持刀|拿刀|拿着刀|提着刀|举着刀|动刀|有刀|"
    "被.{0,2}砍|被.{0,2}捅|被.{0,2}刺伤|砍了|捅了|持枪|有枪|开枪|抢劫|打劫|抢钱|抢包|抢手机|抢东西|被抢|被人抢|抢走|抢了.{0,3}(?:包|手机|钱|东西|项链|金)|绑架|劫持|绑走|被绑|人质|强奸|猥亵|非礼|性侵|"
    "非法拘禁|被关起来|关起来了|跳楼|跳河|跳江|跳桥|跳崖|跳下去|轻生|自杀|想不开|不想活|割腕|寻死|家暴|家庭暴力|"
    "打老婆|打媳妇|打孩子|老公打我|丈夫打我|打我(?!电话|手机|的电话)|被打|挨打|被揍|揍我|追着打|追打|威胁我|"
    "要杀|要砍|入室|闯进|撬门|撬锁|撬窗|砸车|砸门|砸东西|打砸|闹事|寻衅|械斗|跟踪我|尾随|一直跟着我|有人跟着|"
    "救命|走失|走丢|丢了孩子|孩子丢了|孩子不见|小孩不见|娃不见|儿子不见|女儿不见|孩子找不到|找不到孩子|"
    "人贩子|拐走|拐卖|(?:拽|拉|拖|抱|抢|拖着)[^，。！？]{0,8}(?:往车上|上车|进车|车里)|往车上拉|强行拉走|硬拉|"
    "偷孩子|抢孩子|抱走|失踪|溺水|落水|掉河里|掉水里|掉进河|掉进水|被困|出不来|小偷|扒手|"
    "正在偷|在偷|有人偷|偷东西|打110|^110$|暴力|施暴|欺负我|勒索|敲诈|恐吓|爆炸物|炸弹|醉汉|发酒疯|"
    "持械|围殴|打伤|伤人|杀了他|杀了我|要打我|被绑架|被拐|被跟踪|偷窥|砍伤|有人闯|有人砸|离家出走|联系不上|"
    "抢我|抢了我|在砸|还在砸|砸[^，。！？]{0,4}(?:东西|店|门|车|窗|玻璃)|要跳|想跳|准备跳|栏杆外|"
    # a family member missing; "丢了" only close by (我妈给我的镯子丢了 is not a person)
    f"{_FAMILY}[^证本簿卡照机包车户]{{0,8}}(?:不见了|找不到|找不着|没回家|没有回家|联系不上|打不通|走丢|失踪)|"
    f"{_FAMILY}[^证本簿卡照机包车户]{{0,3}}丢了|"
    "掉进[^，。！？]{0,4}(?:河|塘|水|井|坑|池|湖|江|窖|库)|掉[^，。！？]{0,2}(?:鱼塘|水塘|河里|井里|水库|池塘)|"
    "进贼|来贼|有贼|进小偷|撬.{0,4}门|撬.{0,3}锁|快来人|来人啊|喝药|喝了药|服毒|吞了|上吊"
)
# "报警" alone is a call for help; "怎么报警" / "网上报警" about a past theft is not.
_CALL_POLICE = re.compile("^(?:我要|我想|帮我|快|赶紧|请|马上|立即)?报警(?:啊|呀|了|吧)?$|我要报警|帮我报警|快报警|赶紧报警|替我报警|马上报警")
_NOT_URGENT = re.compile("不急|不紧急|不是紧急|不是很急|不着急|非紧急|不算紧急|没那么急")
_FIRE_WORDS = (
    "着火|失火|起火|火灾|大火|烧起来|烧着了|火烧|冒烟|冒黑烟|浓烟|冒火|火苗|爆炸|煤气泄|燃气泄|天然气泄|液化气泄|"
    "漏煤气|漏燃气|漏天然气|漏液化气|煤气味|燃气味|天然气味|液化气味|电梯困人|困在电梯|被困电梯|电梯里出不来|"
    "关在电梯|山火|森林火|火很大|烧房子|房子烧|着了火|打119|^119$|漏气|跑气|"
    # a gas leak in any word order: 天然气好像漏了, 煤气罐在漏, 燃气味道很大
    "(?:煤气|燃气|天然气|液化气|气罐)[^，。！？,.!?]{0,8}(?:漏|泄|味)|"
    "怪味[^。！？]{0,10}(?:头晕|站不稳|恶心|晕)|一氧化碳|煤气中毒|"
    "电梯[^，。！？]{0,6}(?:卡住|卡在|困|停住|关住)|塌了|坍塌|塌方|被埋|埋在|埋了|困在|被困住"
)
_MEDICAL_WORDS = (
    "受伤|流血|出血|血流|晕倒|晕过去|昏迷|昏倒|不省人事|休克|抽搐|中毒|喝农药|喝了农药|吃了农药|吃安眠药|"
    "吃了安眠药|吞药|没有呼吸|没呼吸|没气了|没心跳|心脏病发|心梗|脑梗|中风了|骨折|触电|烫伤|烧伤|咬伤|被咬|"
    "喘不上气|呼吸困难|快不行了|快死了|要死了|急救|救护车|昏厥|倒地|摔倒了|摔伤|坠楼|打120|^120$|一动不动|"
    "被.{0,2}砍|被.{0,2}捅|叫不醒|醒不过来|口吐白沫|大出血|伤得很重|受了伤|伤了|流了.{0,3}血|出了.{0,3}血|好多血|很多血|"
    "血止不住|喝药|喝了药|服毒|吞了|"
    "满头是血|头是血|一身血|全是血|都是血|摔下来|摔下去|掉下来|坠落|从[^，。]{0,6}(?:摔|掉)下|压在下面|压住了|被压|"
    "砸伤|砸到人|站不稳|都晕了|喊不应|叫不应|没反应"
)
_TRAFFIC = re.compile(
    "车祸|撞车|撞了|被撞|撞人|撞到|追尾|翻车|侧翻|交通事故|出事故|发生事故|剐蹭|刮蹭|碰撞|肇事|逃逸|撞伤|撞死|"
    "轧了|碾压|掉沟里|冲下|翻下|打122|^122$|连环撞|撞上|"
    "(?:车|摩托)[^，。！？]{0,4}翻[^，。！？]{0,3}(?:沟|河|坡|崖|田)|两个车撞|两车相撞"
)
_TRAFFIC_ADMIN = re.compile("认定|理赔|赔偿|保险|调解|流程|责任|快处|证明|复核|鉴定|诉讼|起诉|去年|上个月|之前|以前|扣分|罚")
_INJURY = re.compile("受伤|流血|出血|伤|昏迷|死|骨折|撞人|撞到人|被撞|轧|人倒|不动|晕|压住|卡在")
# A transfer about to be made: danger now, even in a message about an online scam.
_FRAUD_GOING_ON = re.compile("(正准备|正要|准备|马上就|现在就)(转|汇|打钱|付款)|转不转|还转吗|要转吗|该不该转|要不要转")
_FRAUD_NOW = re.compile(
    "(正在|现在|还在|马上|准备|要不要|该不该|是不是)(被骗|转账|汇款|打钱|付款|给他转|给对方转)|"
    "(对方|他|她|客服|警察|公安|骗子)(让|要|叫|要求)我(转|汇|打钱|付|下载|开通|共享|点|输入|提供|贷款)|"
    "(让|要|叫)我(转账|汇款|打钱|下载|屏幕共享|共享屏幕|开启共享)|屏幕共享|共享屏幕|安全账户|把验证码|"
    "(让|要|叫)我[^，。！？]{0,4}(转|汇|打钱)[^，。！？]{0,4}(万|千|钱|过去|[0-9])|"
    "(正准备|正要|准备|马上就|现在就)(转|汇|打钱|付款)|转不转|还转吗|要转吗|该不该转|要不要转"
)

# Danger described in plain words, a few characters apart: weapons, intruders, being
# followed or shut in, children hurt or shut in a car, falls, poison, electric shock,
# drowning, explosions, smoke, people lost in the mountains, a runaway lorry.
_POLICE_PLAIN = (
    "(?:菜刀|砍刀|斧头|斧子|棍子|铁棍|刀子|匕首|砖头|枪)[^，。！？]{0,8}(?:砍|追|打|踹|砸|杀|捅|要|冲|门口|站在|堵)|"
    "(?:砍|追|打|捅)[^，。！？]{0,4}(?:菜刀|砍刀|斧头|刀)|追人|追着人|踹门|砸门|翻[^，。！？]{0,3}(?:窗|墙|院)|"
    "弄死|打死|杀了|往死里打|跟了我|跟着我|跟踪|在我后面|一直跟|尾随|锁在屋|关在屋|不让我走|不放我走|"
    "把我锁|把我关|不按导航|往山里开|绑|抢了我|抢我的|小偷还在|贼还在|人还在(?:院|屋|家|楼)|"
    "打娃|打孩子|打小孩|虐待|娃哭|孩子哭得|(?:没回来|没回家|不见了|找不到)[^。！？]{0,8}(?:天快黑|天黑|半夜|几个小时|一整天|到现在)|"
    "(?:中午|早上|上午|下午|昨晚|一早)[^，。！？]{0,6}(?:出门|出去|走了)[^。！？]{0,8}(?:没回来|没回家|不见|找不到)"
)
_MEDICAL_PLAIN = (
    "(?:血)[^，。！？]{0,6}(?:止不住|往外冒|一直流|流了一地|喷)|绞[^，。！？]{0,3}(?:手|脚|胳膊|头发)|(?:手|脚|胳膊)[^，。！？]{0,3}(?:绞|轧|切断|断了)|"
    "昏过去|晕过去|倒在|倒下|不醒|叫不醒|没反应|没知觉|抽筋|抽风|口吐白沫|上吐下泻|吐血|"
    "误吃|误服|误喝|吃了[^，。！？]{0,3}(?:药|老鼠药|农药|毒)|老鼠药|敌敌畏|百草枯|食物中毒|"
    "被电(?!子|话|视|脑|动|瓶)|电打了|被电打|触电|电线上|腿[^，。！？]{0,3}断|摔断|走不了|动不了|起不来|沉下去|没上来|没浮上来|"
    "锁在车里|困在车里|关在车里|晒着|喘不过气|心跳停|没了呼吸|没有气了"
)
_FIRE_PLAIN = (
    "炸了|爆炸|砰的一声|轰的一声|烧焦味|焦糊味|好多烟|浓烟|烟很大|黑烟|看不见路|下不去楼|"
    "迷路|困在山|山里出不来|被水冲|洪水|涨水|山体滑坡|滑坡|泥石流|化粪池|沼气|窨井|冲进人群|刹车失灵"
)
# One pattern per kind: the words people use for it, then the same danger told plainly.
_POLICE = re.compile(f"{_POLICE_WORDS}|{_POLICE_PLAIN}")
_FIRE = re.compile(f"{_FIRE_WORDS}|{_FIRE_PLAIN}")
_MEDICAL = re.compile(f"{_MEDICAL_WORDS}|{_MEDICAL_PLAIN}")
# "累死了", "笑死我了", "难得要命": intensifiers, not danger.
_FIGURATIVE = re.compile(
    "(?:累|饿|冷|热|笑|气|穷|困|忙|烦|痛|疼|吓|急|渴|闷|晒|撑|无聊|难受|丑|美|帅|香|辣|酸|甜|咸|难|好|烦)"
    "(?:得)?(?:要)?死(?:了|我了|人了|啦|他了|掉了)?|(?:得|的)要命|要命了|"
    "嘴里着火|嘴里冒火|心里着火|火气|上火|气炸|炸裂|"
    "(?:题|作业|数学|英语|物理|考试)[^。！？]{0,10}救命|救命[^。！？]{0,10}(?:题|作业|数学|考试)"
)
# Games, films, dreams, homework: whatever happens there is not happening to anyone.
_FICTION = re.compile(
    "爆头|特效|吃鸡|王者|游戏里|游戏中|电视剧|剧里|电影里|电影中|抖音上|视频里|小说里|梦里|做梦|一场梦|原来是"
)


def strip_figurative(norm: str) -> str:
    """Drop intensifiers such as 累死了 / 笑死我了 / 难得要命, which are not about death or danger."""
    return _FIGURATIVE.sub("", norm)
# A question about papers (a document plus what to do about it), asked after the fact.
_PAPERWORK = re.compile(
    "(?:身份证|户口本|户口簿|户口|护照|通行证|驾照|驾驶证|行驶证|证件|签注|临时证|无犯罪|车牌|号牌)[^。！？]{0,12}"
    "(?:补|办|换|销|注销|签|怎么|咋|能不能|能否|吗|需要|材料|多少钱|去哪|哪里|手续)|"
    "(?:补|办|换|销|注销)[^。！？]{0,6}(?:身份证|户口本|户口簿|户口|护照|通行证|驾照|驾驶证|证)|"
    "网上报案|网上报警|能报案吗|报案吗|还有用吗|查进度|验伤|几点上班|上班时间|投诉|举报|复议|审批|许可|"
    "丧事办完|后事办完|办完了|处理完|走了以后"
)
_NOW = re.compile("正在|还在|快来|救命|快点|快救|赶紧来|来人|快快|马上来|就在我|在我家|现在就")


@dataclass(frozen=True)
class Emergency:
    numbers: tuple[str, ...]  # the first one leads the reply
    kind: str                 # "police" | "fire" | "medical" | "traffic" | "fraud"


def detect_emergency(norm: str) -> Emergency | None:
    """Danger happening now, judged from the normalised text; None when not urgent."""
    norm = strip_figurative(norm)
    if not norm or (_FICTION.search(norm) and not _NOW.search(norm)):
        return None
    urgent = bool(_URGENT.search(_NOT_URGENT.sub("", norm)))
    admin = bool(_ADMIN.search(norm))
    # Papers asked about after the fact (身份证被抢了怎么补) are guide questions, unless
    # the message also says it is happening now.
    calm = (admin and not urgent) or (bool(_PAPERWORK.search(norm)) and not _NOW.search(norm))

    if _FRAUD_NOW.search(norm) and (not calm or _FRAUD_GOING_ON.search(norm)):
        return Emergency(("110", "96110"), "fraud")
    fire = bool(_FIRE.search(norm)) and not calm
    traffic = bool(_TRAFFIC.search(norm)) and not calm and not (_TRAFFIC_ADMIN.search(norm) and not urgent)
    police = (bool(_POLICE.search(norm)) and not calm) or bool(_CALL_POLICE.search(norm))
    medical = bool(_MEDICAL.search(norm)) and not calm
    hurt = medical or bool(_INJURY.search(norm))
    if fire:
        return Emergency(("119", "120") if medical else ("119",), "fire")
    if traffic:
        return Emergency(("122", "120") if hurt else ("122",), "traffic")
    if police:
        return Emergency(("110", "120") if medical else ("110",), "police")
    if medical:
        return Emergency(("120",), "medical")
    return None


# --- staff, greetings, case questions ------------------------------------------------------

_HUMAN_ALWAYS = re.compile("^人工|转人工|人工客服|人工服务|人工回复|人工咨询|真人|[接要找转叫]个?人工|机器人答非所问|不要机器人|不跟机器人|不和机器人")
_HUMAN_SOFT = re.compile(
    "找民警|找警察|找个民警|民警在吗|警察在吗|有民警吗|有没有民警|我要咨询|我想咨询|咨询民警|咨询警察|在线咨询|"
    "我要留言|我想留言|留言咨询|联系民警|跟民警说|和民警说|问问民警|问一下民警|客服|值班民警|想问民警|民警回复|"
    "请民警|让民警|民警联系我|回电话|给我回电|^咨询$|^我要问$|"
    "工作人员在|有没有工作人员|有工作人员吗|找工作人员|叫工作人员|工作人员回复|值班的人|跟工作人员|和工作人员|同工作人员"
)
# Questions about one's own case or application: a guide cannot answer them.
# (Weak ones — "still not received" — give way to a clear guide question in the same message.)
_CASE_STATUS_WEAK = re.compile("还没拿到|还没收到|还没办好|还没下来|还没好|怎么还没")
_CASE_STATUS = re.compile(
    "进度|进展|办到哪|办好了没|办好没|好了没有|好了吗|结果出来|有结果吗|"
    "有消息吗|有结果了吗|结果了吗|报的案|报过案|报了案|抓到了吗|抓到没|抓住了吗|立案了吗|有没有立案|受理了吗|什么时候能拿到我|多久能拿到我|审核通过|"
    "审核没通过|被驳回|不给办|不给我办|为什么不给|为什么不能|凭什么|"
    "开好了没|开好没|开出来没|开出来了吗|批了没|审批到哪|到哪了|到哪一步|怎么样了|咋样了|下来了没|下来没"
)
_POLICE_BUSINESS = re.compile(
    "案子|案件|嫌疑人|拘留|取保|笔录|传唤|释放|判决|看守所|探视|会见|罚款退|没收|扣押|退还|民警|警察|警官|"
    "派出所|公安|执法|处罚决定|行政处罚|立案|报案|报警|备案|户政|治安|出入境|车管|交警|验伤|被打|"
    "打人|被偷|被盗|被抢|纠纷|闹事|扰民|噪音|打架|斗殴|醉驾|酒驾|涉黑|传销"
)
_GREETING = re.compile(
    "^(?:你好|您好|你们好|大家好|在吗|在不在|有人吗|有人在吗|有人没|哈喽|哈罗|嗨|hi|hello|hey|早上好|上午好|中午好|"
    "下午好|晚上好|早安|午安|晚安|早|谢谢|谢谢你|谢谢您|谢谢你们|谢啦|谢了|多谢|感谢|非常感谢|十分感谢|辛苦了|"
    "辛苦|好的|好|好滴|行|嗯|嗯嗯|哦|噢|喔|ok|okay|收到|明白|明白了|知道了|了解|懂了|再见|拜拜|bye|警察叔叔|"
    "警察姐姐|警官|同志|民警同志|亲|请问|我想问|问一下|打扰了|不好意思|对不起|没事|没事了|算了|哈哈|哈哈哈|呵呵|"
    "点赞|赞|棒|厉害|牛|666|加油|测试|test|1|\\?)+$"
)
_HELP = re.compile("^(?:帮助|help|菜单|功能|目录|指南|办事指南|服务|有什么服务|能干什么|能做什么|怎么用|使用说明|你是谁|你是机器人吗|机器人)$")

# Up to 19: a menu's area list can offer more than nine guides.
_CHOICE = re.compile(r"^(?:第|选|选择|我选|要)?(1[0-9]|[1-9]|十[一二三四五六七八九]?|[一二三四五六七八九])(?:个|条|项|号|种)?(?:吧|的|谢谢)?$")
_CN_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", 1)}


def choice_number(norm: str) -> int | None:
    """1-based number in "2", "２", "第二个", "2." …; None when the text is not a pick."""
    m = _CHOICE.match(norm)
    if not m:
        return None
    d = m.group(1)
    if d.isdigit():
        return int(d)
    if d.startswith("十"):
        return 10 + (_CN_DIGITS[d[1]] if len(d) > 1 else 0)
    return _CN_DIGITS[d]


def wants_human(raw: str, norm: str) -> str | None:
    """"always" for an explicit request for a person, "soft" for a polite one, else None."""
    stripped = raw.strip()
    if _HUMAN_ALWAYS.search(norm) or re.match(r"^(?:人工|咨询|留言)\s*[:：]", stripped):
        return "always"
    if _HUMAN_SOFT.search(norm):
        return "soft"
    return None


def is_greeting(norm: str) -> bool:
    return not norm or bool(_GREETING.match(norm)) or bool(_HELP.match(norm))


def is_case_status(norm: str, feats: Features | None = None) -> bool:
    """A question about one's own application or case ("办到哪一步了", "还没拿到")."""
    if _CASE_STATUS.search(norm):
        return True
    if _CASE_STATUS_WEAK.search(norm):
        # "还没拿到，能先办临时的吗" asks something a guide answers
        intents = [c for c in (feats.concepts if feats else ()) if c.startswith("I_") and c != "I_APPLY"]
        return not intents
    return False


_CASE_WORDS = re.compile("拘留|案子|案件|嫌疑人|取保|笔录|看守所|判决|释放|放出来|关进去|被抓|抓走|传唤|劳教|服刑|探视")


def is_case_matter(norm: str) -> bool:
    """About someone's own case (arrest, detention, investigation): for staff, not a guide."""
    return bool(_CASE_WORDS.search(norm))


def is_police_business(norm: str) -> bool:
    return bool(_POLICE_BUSINESS.search(norm))
