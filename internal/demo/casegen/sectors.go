package casegen

import "github.com/gridwatch/gridwatch/patrol/cases"

// EmptySector is the code of the one sector of [Sectors] in which Generate
// files no case: fire safety (消防). Fire enforcement stayed with the fire
// and rescue service (消防救援) and is not among the powers the seed lists as
// moved to the township bureaus, so the demo's township cases touch 11 of the
// 12 sectors, as the seed's "sectors grew from 8 to 11" says.
const EmptySector = "fire"

// sector is one enforcement sector with what Generate needs to file cases
// in it.
type sector struct {
	cases.Sector
	// weight is the sector's share of the cases of its class (core or
	// not); the weights of each class sum to 1, and EmptySector's is 0.
	weight float64
	// dept is the municipal department responsible for the sector: where
	// a township refers (流转) a case it cannot handle, and where a
	// referred-in case comes from.
	dept string
	// topics are the kinds of case, each a title and bodies to draw from.
	topics []topic
}

// topic is one kind of case: a short title and a few descriptions.
type topic struct {
	title  string
	bodies []string
}

// sectors is the sector table, core sectors first, in the order of the
// domain documentation.
var sectors = []sector{
	{
		Sector: cases.Sector{Code: "urban_management", NameZH: "城市管理", NameEN: "urban management", Core: true},
		weight: 0.7, dept: "市城市综合管理局",
		topics: []topic{
			{"占道经营", []string{"沿街商户占用人行道摆摊经营,影响行人通行。", "早市摊贩占用机动车道设摊,高峰时段交通拥堵。"}},
			{"流动摊贩", []string{"流动摊贩在学校门口聚集兜售食品。", "路口有流动三轮车摊贩叫卖水果,堵塞非机动车道。"}},
			{"油烟扰民", []string{"餐饮店油烟直排,未安装油烟净化设施,周边居民反映强烈。", "烧烤摊夜间露天烧烤,油烟飘入居民楼。"}},
			{"违规户外广告", []string{"店外擅自设置落地广告牌,未经审批。", "楼顶广告牌锈蚀松动,存在坠落隐患。"}},
			{"乱堆乱放", []string{"建筑垃圾堆放在道路两侧,未及时清运。", "小区绿化带内堆放废旧家具杂物。"}},
			{"渣土车撒漏", []string{"渣土运输车辆沿途撒漏,污染路面。", "工地出口车辆未冲洗带泥上路。"}},
			{"乱张贴乱涂写", []string{"墙面、电线杆乱张贴小广告。", "桥洞墙体被喷涂办证电话。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "work_safety", NameZH: "安全生产", NameEN: "work safety", Core: true},
		weight: 0.3, dept: "市应急管理局",
		topics: []topic{
			{"危化品违规存放", []string{"企业仓库内危险化学品与普通物料混存,未设置警示标识。", "小作坊内存放大量油漆稀料,无防爆措施。"}},
			{"有限空间作业未审批", []string{"企业在污水池进行有限空间作业,未办理审批、未配备检测设备。", "工人进入地下储罐清理,现场无监护人员。"}},
			{"安全防护缺失", []string{"车间机械设备防护罩缺失,存在伤人隐患。", "高处作业平台未设置护栏,作业人员未系安全带。"}},
			{"特种作业无证上岗", []string{"现场电焊作业人员未持特种作业操作证。", "叉车司机无证驾驶叉车作业。"}},
			{"粉尘涉爆隐患", []string{"粉尘车间除尘设施未正常运行,积尘严重。", "抛光车间未按规定清扫积尘,电气设备非防爆型。"}},
			{"三合一场所", []string{"生产、仓储与员工住宿混设在同一建筑内。", "厂房阁楼隔出员工宿舍,楼下即为原料仓库。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "eco_environment", NameZH: "生态环境", NameEN: "ecology and environment"},
		weight: 0.20, dept: "市生态环境局",
		topics: []topic{
			{"非法排污", []string{"企业通过暗管向河道排放未经处理的废水。", "雨水排口有黑臭污水流出,疑似偷排。"}},
			{"露天焚烧", []string{"露天焚烧生活垃圾和废旧轮胎,浓烟弥漫。", "废品收购站焚烧电线剥取铜芯。"}},
			{"扬尘污染", []string{"工地未落实围挡、覆盖等防尘措施,扬尘明显。", "物料堆场裸露未覆盖,大风天气扬尘严重。"}},
			{"危废违规处置", []string{"废机油等危险废物随意堆放,未进入危废仓库。", "汽修店废机油倒入下水道。"}},
			{"废气异味", []string{"工业企业夜间排放刺鼻异味废气。", "喷漆作业未在密闭空间进行,废气无组织排放。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "natural_resources", NameZH: "自然资源/国土规划", NameEN: "natural resources, land and planning"},
		weight: 0.14, dept: "市自然资源和规划局",
		topics: []topic{
			{"违法占地", []string{"未经批准占用耕地建设厂房。", "在基本农田上堆土硬化,建设停车场。"}},
			{"违章搭建", []string{"居民在屋顶私自搭建彩钢板房。", "沿街店铺擅自向外扩建门面。"}},
			{"非法取土", []string{"在农田内非法挖掘取土,形成深坑。", "夜间有挖掘机在河滩非法取土外运。"}},
			{"擅自改变土地用途", []string{"工业用地被改建为商铺出租。", "仓储用地上擅自建设住宅。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "housing_construction", NameZH: "住房建设", NameEN: "housing and construction"},
		weight: 0.12, dept: "市住房和城乡建设局",
		topics: []topic{
			{"无证施工", []string{"工地未取得施工许可证擅自开工。", "厂房扩建工程未办理质量安全监督手续即施工。"}},
			{"擅自改变房屋结构", []string{"商户装修时拆除承重墙,存在安全隐患。", "住户在阳台加建,超出原设计荷载。"}},
			{"瓶装燃气使用不规范", []string{"餐饮店使用未检验的液化气钢瓶,软管老化。", "气瓶与灶具同室放置,未安装燃气报警器。"}},
			{"违规群租", []string{"住房被分隔成多间出租,人员密集。", "地下车库改作出租屋住人。"}},
			{"夜间施工扰民", []string{"工地夜间浇筑混凝土,未办理夜间施工许可。", "深夜打桩作业,周边居民无法休息。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "market_regulation", NameZH: "市场监管", NameEN: "market regulation"},
		weight: 0.18, dept: "市市场监督管理局",
		topics: []topic{
			{"无证经营", []string{"未办理营业执照从事经营活动。", "小餐饮店未取得食品经营许可证营业。"}},
			{"食品安全隐患", []string{"小餐饮店后厨卫生条件差,从业人员无健康证。", "熟食摊点无防蝇防尘设施。"}},
			{"销售过期食品", []string{"超市货架销售过期食品。", "小卖部销售无生产日期的散装食品。"}},
			{"未明码标价", []string{"商户未明码标价,存在价格欺诈嫌疑。", "停车场收费标准未公示。"}},
			{"虚假宣传", []string{"保健品店宣传单含夸大功效内容。", "店铺门头使用“最低价”等违规用语。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "health", NameZH: "卫生健康", NameEN: "health supervision"},
		weight: 0.08, dept: "市卫生健康委员会",
		topics: []topic{
			{"非法行医", []string{"无证人员在出租屋内开展诊疗活动。", "美容店违规开展注射类医疗美容项目。"}},
			{"公共场所卫生不达标", []string{"美容美发店未取得卫生许可证,公共用品未消毒。", "浴室从业人员未持健康证上岗。"}},
			{"二次供水不合格", []string{"小区二次供水水箱未定期清洗消毒。", "居民反映自来水浑浊有异味,疑为水箱污染。"}},
			{"公共场所吸烟", []string{"网吧内多人吸烟,未设置禁烟标识。", "棋牌室室内吸烟,无人劝阻。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "agriculture", NameZH: "农业农村/农林", NameEN: "agriculture, forestry, animal husbandry"},
		weight: 0.08, dept: "市农业农村局",
		topics: []topic{
			{"秸秆焚烧", []string{"农田内焚烧秸秆,浓烟影响道路通行。", "田埂边堆烧稻草。"}},
			{"违规使用农药", []string{"蔬菜基地使用禁用农药。", "果园喷洒农药未设置警示标志。"}},
			{"病死畜禽乱弃", []string{"河边发现丢弃的病死猪。", "养殖户将病死禽随意掩埋在田头。"}},
			{"非法捕捞", []string{"禁渔期有人在河道使用电鱼工具捕捞。", "长江岸边有人使用地笼网捕鱼。"}},
			{"销售假劣农资", []string{"农资店销售未登记的农药。", "化肥包装标注养分含量与实际不符。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "transport", NameZH: "交通运输", NameEN: "transport"},
		weight: 0.07, dept: "市交通运输局",
		topics: []topic{
			{"非法营运", []string{"私家车在车站附近揽客,非法营运。", "无营运资质的面包车接送工人上下班。"}},
			{"占用公路", []string{"在公路用地范围内堆放砂石物料。", "商户在公路边沟上搭建棚屋。"}},
			{"超限运输", []string{"货车严重超载,压坏农村公路路面。", "砂石车超限运输,车厢加高。"}},
			{"擅自开设道口", []string{"企业擅自在公路上开设出入道口。", "沿线商户私自破除公路隔离设施。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "water", NameZH: "水利", NameEN: "water resources"},
		weight: 0.06, dept: "市水利农机局",
		topics: []topic{
			{"河道违法建设", []string{"在河道管理范围内搭建棚屋。", "堤防上擅自修建水泥台阶和码头。"}},
			{"侵占河道", []string{"向河道倾倒建筑垃圾,侵占行洪断面。", "河岸被填土造地种菜。"}},
			{"非法取水", []string{"企业未经许可抽取地下水。", "洗车店私接河水洗车。"}},
			{"违规设置网簖", []string{"河道内违规设置渔网网簖,阻碍行洪。", "闸口附近拦河设网。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "labor", NameZH: "劳动保障", NameEN: "labor protection"},
		weight: 0.07, dept: "市人力资源和社会保障局",
		topics: []topic{
			{"拖欠工资", []string{"工地拖欠农民工工资,工人聚集讨薪。", "企业停产后拖欠员工三个月工资。"}},
			{"未签劳动合同", []string{"企业招用工人未签订劳动合同。", "餐饮店员工反映入职半年未签合同。"}},
			{"违法使用童工", []string{"作坊内发现疑似未成年人在做工。", "电子厂暑期招用未满十六周岁学生。"}},
			{"超时加班", []string{"工厂长期要求员工每天工作十二小时以上。", "员工反映连续一个月无休息日。"}},
		},
	},
	{
		Sector: cases.Sector{Code: "fire", NameZH: "消防", NameEN: "fire safety"},
		weight: 0, dept: "市消防救援大队",
	},
}

// Sectors returns the 12 enforcement sectors of the domain documentation,
// the two core ones (urban_management, work_safety) first. Generate files
// cases in all of them except [EmptySector]. The slice is fresh on each call.
func Sectors() []cases.Sector {
	out := make([]cases.Sector, len(sectors))
	for i := range sectors {
		out[i] = sectors[i].Sector
	}
	return out
}

// Departments returns the municipal department responsible for each sector,
// by sector code: where Generate refers (流转) a case it does not resolve in
// the township, and where cases of [cases.SourceReferral] come from. The map
// is fresh on each call.
func Departments() map[string]string {
	out := make(map[string]string, len(sectors))
	for i := range sectors {
		out[sectors[i].Code] = sectors[i].dept
	}
	return out
}
